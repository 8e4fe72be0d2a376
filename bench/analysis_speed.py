"""Speed of analyze() against trafilatura's extraction alone, on the shared article pages.

Run by hand: ``python bench/analysis_speed.py [--rounds N]``. Prints, from one run over the same
pages: our analyze() (parse, main content, links, factors, risk; no network) p50/p99/mean per
page, trafilatura.extract p50/p99/mean, the ratios of the means and of the medians, and the peak
memory tracemalloc sees during one analyze() pass over all pages (measured separately, since
tracing slows Python down).

Fairness: the two are interleaved page by page (which one goes first alternates), so a noisy
moment of the machine hits both alike. Each round is one pass over all pages, as the bot would
see them: our per-process caches (public suffix look-ups, anchor classes, class-name regions) are
cleared at the start of every round, so they are warm from *other* pages only, never from an
earlier round of the same page. textstat (which scores readability for some languages) memoises
its figures by text: those caches are cleared with ours. A page's time is the median of its rounds,
for both tools.

Steady state: bot.analysis.warm_up() runs before any timing, as it does where the bot starts its
analysis workers, so the one-off import of textstat (and nltk, over a second) that the first page
in a language textstat scores would pay is not charged to any page or round.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bot.analysis import analyze, warm_up  # noqa: E402

TARGET = "example.com"
KEYWORD = "health news"


def load_pages() -> list[tuple[str, str, str]]:
    """(id, url, html) for every page, via bench/_dataset.py when present."""
    try:
        from bench._dataset import dataset_available, iter_pages  # type: ignore[import-not-found]
    except ImportError:
        try:
            from _dataset import dataset_available, iter_pages  # type: ignore[import-not-found,no-redef]
        except ImportError:
            dataset_available = None  # type: ignore[assignment]
    if dataset_available is not None:
        if not dataset_available():
            return []
        return [(pid, url, html) for pid, url, html, _ in iter_pages()]
    root = REPO_ROOT.parent / "shared" / "datasets" / "article-bodies"
    truth_file = root / "ground-truth.json"
    if not truth_file.is_file():
        return []
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    pages = []
    for pid in sorted(truth):
        with gzip.open(root / "html" / f"{pid}.html.gz", "rt", encoding="utf-8", errors="replace") as f:
            pages.append((pid, truth[pid].get("url", ""), f.read()))
    return pages


def stats(times: list[float]) -> tuple[float, float, float]:
    ms = sorted(t * 1000 for t in times)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    return statistics.median(ms), p99, statistics.fmean(ms)


# textstat memoises its counts and formulas by text (a later round of a page would be a cache
# hit); its hyphenation dictionaries, memoised per language in textstat.backend.utils, are static
# tables like our lexicons and stay loaded.
_TEXTSTAT_TEXT_CACHES = ("textstat.backend.counts", "textstat.backend.metrics", "textstat.backend.transformations")


def clear_our_caches() -> None:
    """Forget everything bot.analysis memoised across pages (lru caches and plain dict caches), and
    what textstat memoised by text."""
    # The text-keyed modules import the per-language dictionary cache too: keep that one.
    static = {id(v) for n, m in list(sys.modules.items()) if n.startswith("textstat.backend.utils") for v in vars(m).values()}
    for name, module in list(sys.modules.items()):
        ours = name.startswith("bot.analysis")
        if not ours and not name.startswith(_TEXTSTAT_TEXT_CACHES):
            continue
        for attr, value in list(vars(module).items()):
            if callable(getattr(value, "cache_clear", None)) and id(value) not in static:
                value.cache_clear()
            elif ours and isinstance(value, dict) and attr.endswith("_cache"):
                value.clear()


Timed = Callable[[str, str], object]


def interleaved(
    pages: list[tuple[str, str, str]], ours: Timed, theirs: Timed | None, rounds: int
) -> tuple[list[list[float]], list[list[float]]]:
    """Seconds per page and round for `ours` and `theirs` (html, url), run page by page with the
    order alternating, our caches cleared at the start of every round. Both are called once on
    the first page first, so imports and lazily built tables stay outside the timing."""
    ours(pages[0][2], pages[0][1])
    if theirs is not None:
        theirs(pages[0][2], pages[0][1])
    our_runs: list[list[float]] = [[] for _ in pages]
    their_runs: list[list[float]] = [[] for _ in pages]
    clock = time.perf_counter
    for r in range(rounds):
        clear_our_caches()
        gc.collect()
        for i, (_, url, html) in enumerate(pages):
            order = (ours, theirs) if (r + i) % 2 == 0 else (theirs, ours)
            for fn in order:
                if fn is None:
                    continue
                t0 = clock()
                fn(html, url)
                elapsed = clock() - t0
                (our_runs if fn is ours else their_runs)[i].append(elapsed)
    return our_runs, their_runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over all pages; a page's median counts (default 5)")
    args = parser.parse_args()
    pages = load_pages()
    if not pages:
        print("dataset not found (shared/datasets/article-bodies beside the repository)")
        return 1
    try:
        import trafilatura
    except ImportError:
        trafilatura = None

    def ours(html: str, url: str) -> None:
        analyze(html, url, target=TARGET, keyword=KEYWORD)

    def theirs(html: str, url: str) -> None:
        trafilatura.extract(html, url=url)

    rounds = max(1, args.rounds)
    warm_up()
    our_runs, their_runs = interleaved(pages, ours, theirs if trafilatura is not None else None, rounds)
    our_times = [statistics.median(runs) for runs in our_runs]
    o50, o99, omean = stats(our_times)
    print(f"pages: {len(pages)}, {rounds} interleaved round(s); a page's time is the median of its rounds")
    print("steady state: bot.analysis.warm_up() ran before timing (imports textstat/nltk, as the workers do at start)")
    print(f"analyze()           p50 {o50:7.2f} ms   p99 {o99:7.2f} ms   mean {omean:7.2f} ms")
    if trafilatura is not None:
        their_times = [statistics.median(runs) for runs in their_runs]
        t50, t99, tmean = stats(their_times)
        print(f"trafilatura.extract p50 {t50:7.2f} ms   p99 {t99:7.2f} ms   mean {tmean:7.2f} ms")
        print(f"ratio (trafilatura / ours): mean {tmean / omean:.2f}x   p50 {t50 / o50:.2f}x")
        per_round = [
            sum(runs[r] for runs in their_runs) / sum(runs[r] for runs in our_runs) for r in range(rounds)
        ]
        print("ratio of the means, round by round: " + " ".join(f"{x:.2f}x" for x in per_round))
    else:
        print("trafilatura not installed: no comparison")

    clear_our_caches()
    gc.collect()
    tracemalloc.start()
    for _, url, html in pages:
        ours(html, url)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak traced memory over one pass of analyze(): {peak / 1024 / 1024:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
