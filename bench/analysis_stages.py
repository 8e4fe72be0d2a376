"""Where analyze() spends its time, stage by stage, on the shared article pages.

Run by hand: ``python bench/analysis_stages.py [--rounds N]``. It answers the question the speed
target raises (analysis_speed.py measures the target itself): which stage would have to shrink, and
by how much. Each stage that pipeline.analyze() calls is timed by wrapping the name the pipeline
module imported, so the figures are of the real pipeline, not of a copy of it; a stage the pipeline
no longer calls fails the run loudly instead of silently reading zero. "rest" is what analyze()
does itself (strip scripts, take the page text, build the report).

Caches are cleared at the start of every round, as in analysis_speed.py, so a page is warm from
other pages only; bot.analysis.warm_up() runs first, as there.

``--ceiling`` answers how far the link scan alone could take the speed ratio: it swaps the link scan
for one that makes the same lexbor calls (the links with their attributes and text, the inline
styles, the <style> blocks, the hiding rules read and applied) and none of the per-link Python
work, so no link is reported and the factors have none to judge, and times that analyze() against
trafilatura.extract, interleaved page by page as analysis_speed.py does. It is a bound, not a
product: a link scan cannot be faster than the lexbor calls it makes.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from selectolax.lexbor import LexborHTMLParser  # noqa: E402

import bot.analysis.links as links_module  # noqa: E402
import bot.analysis.pipeline as pipeline  # noqa: E402
from bot.analysis import warm_up  # noqa: E402

try:
    from bench.analysis_speed import KEYWORD, TARGET, clear_our_caches, interleaved, load_pages
except ImportError:  # run as a script from bench/
    from analysis_speed import (  # type: ignore[no-redef]
        KEYWORD,
        TARGET,
        clear_our_caches,
        interleaved,
        load_pages,
    )

# Stages in pipeline order: (label, module, name the module calls). Sub-stages are indented.
STAGES: tuple[tuple[str, object, str], ...] = (
    ("parse (lexbor)", pipeline, "LexborHTMLParser"),
    ("main content", pipeline, "find_main_content"),
    ("page facts (head, headings, byline)", pipeline, "read_page"),
    ("links", pipeline, "scan_links"),
    ("  inline-hidden elements, <style> texts", links_module, "note_hiding"),
    ("  <style> hiding rules read", links_module, "hiding_rules"),
    ("  <style> hiding rules applied", links_module, "apply_rules"),
    ("text figures", pipeline, "figures"),
    ("factor relevance", pipeline, "relevance"),
    ("factor content_quality", pipeline, "content_quality"),
    ("factor placement", pipeline, "placement"),
    ("factor anchor_text", pipeline, "anchor_text"),
    ("factor rel", pipeline, "rel"),
    ("factor outbound_links", pipeline, "outbound_links"),
    ("factor indexability", pipeline, "indexability"),
    ("factor trust", pipeline, "trust"),
    ("factor traffic", pipeline, "traffic"),
    ("factor link_type", pipeline, "link_type"),
    ("risk", pipeline, "assess"),
)


def _wrap(spent: dict[str, float], label: str, fn: Callable[..., object]) -> Callable[..., object]:
    clock = time.perf_counter

    @functools.wraps(fn)
    def timed(*args: object, **kwargs: object) -> object:
        t0 = clock()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[label] += clock() - t0

    return timed


def _lexbor_calls_of_the_link_scan(tree: LexborHTMLParser, **_: object) -> links_module.LinkScan:
    """What scan_links asks of lexbor (its queries, each link's attributes and text, the <style>
    rules read and applied), without its per-link Python work; reports no links."""
    hidden: dict[int, str] = {}
    styles: list[str] = []
    for node in tree.css(links_module._LINKS_MARKS_AND_HIDING):
        attrs = node.attributes
        tag = node.tag or ""
        if tag in links_module._LINK_TAGS:
            node.text(deep=True, separator=" ")
        if tag == "style" or "style" in attrs or "hidden" in attrs:
            links_module.note_hiding(node, tag, attrs, hidden, styles)
    rules, capped = links_module.hiding_rules(styles)
    links_module.apply_rules(tree, rules)
    return links_module.LinkScan(
        links=[], total_found=0, other_hrefs=[], style_rules=rules, style_rules_capped=capped, main_found=True
    )


def ceiling(pages: list[tuple[str, str, str]], rounds: int) -> int:
    try:
        import trafilatura
    except ImportError:
        print("--ceiling compares with trafilatura, which is not installed")
        return 1
    pipeline.scan_links = _lexbor_calls_of_the_link_scan
    warm_up()
    ours, theirs = interleaved(
        pages,
        lambda html, url: pipeline.analyze(html, url, target=TARGET, keyword=KEYWORD),
        lambda html, url: trafilatura.extract(html, url=url),
        rounds,
    )
    o = statistics.fmean(statistics.median(runs) for runs in ours) * 1000
    t = statistics.fmean(statistics.median(runs) for runs in theirs) * 1000
    print("analyze() with the link scan reduced to its lexbor calls (no links reported):")
    print(f"  mean {o:.2f} ms/page; trafilatura.extract {t:.2f} ms/page; ratio {t / o:.2f}x")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ceiling", action="store_true", help="the ratio if the link scan's Python work cost nothing")
    args = parser.parse_args()
    pages = load_pages()
    if not pages:
        print("dataset not found (shared/datasets/article-bodies beside the repository)")
        return 1
    if args.ceiling:
        return ceiling(pages, max(1, args.rounds))
    spent: dict[str, float] = defaultdict(float)
    for label, module, name in STAGES:
        original = getattr(module, name, None)
        if original is None:
            raise SystemExit(f"{module.__name__} no longer has {name}: update STAGES")
        setattr(module, name, _wrap(spent, label, original))

    # Steady state, as analysis_speed.py measures it: textstat's import is not charged to a stage.
    warm_up()
    pipeline.analyze(pages[0][2], pages[0][1], target=TARGET, keyword=KEYWORD)
    spent.clear()
    totals: list[float] = []
    rounds = max(1, args.rounds)
    for _ in range(rounds):
        clear_our_caches()
        for _, url, html in pages:
            t0 = time.perf_counter()
            pipeline.analyze(html, url, target=TARGET, keyword=KEYWORD)
            totals.append(time.perf_counter() - t0)
    runs = len(totals)
    total_ms = statistics.fmean(totals) * 1000
    print(f"pages: {len(pages)} × {rounds} rounds; analyze() mean {total_ms:.2f} ms/page (timers included)")
    print(f"{'stage':46s} {'ms/page':>8s} {'share':>6s}")
    top_level = 0.0
    for label, _, _ in STAGES:
        ms = spent[label] / runs * 1000
        if not label.startswith(" "):
            top_level += ms
        print(f"{label:46s} {ms:8.3f} {ms / total_ms:6.1%}")
    rest = total_ms - top_level
    print(f"{'rest (page text, report)':46s} {rest:8.3f} {rest / total_ms:6.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
