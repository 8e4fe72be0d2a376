"""Article bodies and in-content links: ours against readability-lxml and trafilatura, in one run.

Run by hand: ``python bench/content_f1.py [--repeat N]``. Two scores from the shared dataset's
README, each for the three systems on the same pages in the same run:

- text: the benchmark's F1/precision/recall over 4-token shingles, with the mean milliseconds a
  page of each extractor. Ours is timed twice: content detection alone on an already parsed tree,
  and parse + detection (the fair comparison, since the peers parse the HTML themselves).
- in-content links: precision, recall and F1 of the *content* class over every labelled link.
  Ours is ``analyze()``'s ``links[].placement == "content"``; a peer places a link in the content
  when the link's tokens occur contiguously in the text it extracted.

Both are printed for all pages and for each half (ids whose first hex digit is 0-7, and 8-f), so a
rule tuned on one half can be checked on the other.
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings
from collections.abc import Callable

from _dataset import DATASET_DIR, dataset_available, f1_score, iter_pages
from selectolax.lexbor import LexborHTMLParser

from bot.analysis import analyze
from bot.analysis.content import find_main_content
from bot.analysis.content_metric import (
    LabelledLink,
    LinkCounts,
    labelled_links,
    normalise_href,
    paired_predicts,
    text_predicts,
)

Page = tuple[str, str, str, str]
SYSTEMS = ("ours", "readability-lxml", "trafilatura")


def _ours(html: str, url: str) -> str:
    return find_main_content(LexborHTMLParser(html)).text


def _readability(html: str, url: str) -> str:
    from readability import Document

    summary = Document(html).summary()
    body = LexborHTMLParser(summary).body
    return body.text(separator="\n") if body is not None else ""


def _trafilatura(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


def half_of(page_id: str) -> str:
    """The half a page belongs to: "0-7" or "8-f" by the first hex digit of its id."""
    return "0-7" if page_id[:1].lower() in "01234567" else "8-f"


def _run(extract: Callable[[str, str], str], pages: list[Page], repeat: int) -> tuple[dict[str, str], float]:
    predictions: dict[str, str] = {}
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for page_id, url, html, _truth in pages:
            predictions[page_id] = extract(html, url)
        best = min(best, time.perf_counter() - start)
    return predictions, best / len(pages) * 1000.0


def _content_only_ms(pages: list[Page], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        trees = [LexborHTMLParser(html) for _id, _url, html, _truth in pages]
        start = time.perf_counter()
        for tree in trees:
            find_main_content(tree)
        best = min(best, time.perf_counter() - start)
    return best / len(pages) * 1000.0


def our_placements(html: str, url: str) -> list[tuple[str, str, bool]]:
    """(normalised href, anchor text, in content) for every link analyze() reports."""
    report = analyze(html, url)
    out = []
    for link in report.links:
        href = normalise_href(link.href, url)
        if href is not None:
            out.append((href, link.anchor_text, link.placement == "content"))
    return out


def link_counts(
    pages: list[Page], labels: dict[str, list[LabelledLink]], texts: dict[str, dict[str, str]]
) -> dict[str, dict[str, LinkCounts]]:
    """system → half ("all", "0-7", "8-f") → pooled counts."""
    table = {name: {"all": LinkCounts(), "0-7": LinkCounts(), "8-f": LinkCounts()} for name in SYSTEMS}
    for page_id, url, html, _truth in pages:
        links = labels[page_id]
        for name in SYSTEMS:
            if name == "ours":
                predicted = paired_predicts(links, our_placements(html, url))
            else:
                predicted = text_predicts(links, texts[name][page_id])
            page = LinkCounts()
            page.add(links, predicted)
            table[name]["all"] += page
            table[name][half_of(page_id)] += page
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timing runs per extractor (best is kept)")
    args = parser.parse_args()
    if not dataset_available():
        raise SystemExit(f"dataset not found at {DATASET_DIR}")
    # The peers log and warn about odd pages; that noise is not what this bench reports.
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")

    pages = list(iter_pages())
    truths = {page_id: truth for page_id, _url, _html, truth in pages}
    halves = {
        half: {i: t for i, t in truths.items() if half_of(i) == half} for half in ("0-7", "8-f")
    }
    rows: dict[str, tuple[float, float, float, float]] = {}
    half_text: dict[str, dict[str, float]] = {}
    texts: dict[str, dict[str, str]] = {}
    for name, extract in zip(SYSTEMS, (_ours, _readability, _trafilatura), strict=True):
        predictions, ms = _run(extract, pages, args.repeat if name == "ours" else 1)
        texts[name] = predictions
        rows[name] = (*f1_score(predictions, truths), ms)
        half_text[name] = {half: f1_score(predictions, subset)[2] for half, subset in halves.items()}
    content_ms = _content_only_ms(pages, args.repeat)
    labels = {page_id: labelled_links(html, url, truth) for page_id, url, html, truth in pages}
    links = link_counts(pages, labels, texts)

    n_content = sum(link.content for found in labels.values() for link in found)
    n_links = sum(len(found) for found in labels.values())
    print(f"{len(pages)} pages from {DATASET_DIR}")
    print(f"halves by first hex digit of the id: 0-7 {len(halves['0-7'])} pages, 8-f {len(halves['8-f'])} pages")
    print()
    print("article text (F1 over 4-token shingles)")
    print(f"{'extractor':18} {'F1':>7} {'P':>7} {'R':>7} {'F1 0-7':>7} {'F1 8-f':>7} {'ms/page':>9}")
    for name, (p, r, f1, ms) in rows.items():
        h = half_text[name]
        print(f"{name:18} {f1:7.4f} {p:7.4f} {r:7.4f} {h['0-7']:7.4f} {h['8-f']:7.4f} {ms:9.2f}")
    print(f"ours, content detection alone on a parsed tree: {content_ms:.3f} ms/page")
    ours = rows["ours"]
    for peer in ("readability-lxml", "trafilatura"):
        other = rows[peer]
        print(
            f"vs {peer}: F1 {ours[2] - other[2]:+.4f}, "
            f"{other[3] / ours[3]:.1f}x faster (parse + detection), "
            f"{other[3] / content_ms:.1f}x faster (detection alone)"
        )
    print()
    print(f"in-content links ({n_links} labelled, {n_content} content): precision / recall / F1 of content")
    print(f"{'system':18} {'all pages':>23} {'ids 0-7':>23} {'ids 8-f':>23}")
    for name in SYSTEMS:
        cells = []
        for half in ("all", "0-7", "8-f"):
            p, r, f1 = links[name][half].scores()
            cells.append(f"{p:.3f} {r:.3f} {f1:.3f}".rjust(23))
        print(f"{name:18} " + " ".join(cells))


if __name__ == "__main__":
    main()
