"""Speed of analyze() against trafilatura's extraction alone, on the shared article pages.

Run by hand: ``python bench/analysis_speed.py [--repeat N]``. Prints, from one run over the same
pages: our analyze() (parse, main content, links, factors, risk; no network) p50/p99/mean per
page, trafilatura.extract p50/p99/mean, the ratio of the means and medians, and the peak memory
tracemalloc sees during one analyze() pass over all pages (measured separately, since tracing
slows Python down).

By default each page is analysed once, in sequence, as the bot would: per-process caches (public
suffix look-ups, anchor classes, class-name regions) are warm from *other* pages, never from an
earlier run of the same page. ``--repeat N`` keeps the best of N runs per page for both tools,
which flatters whichever caches more.
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
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bot.analysis import analyze  # noqa: E402

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


def time_each(fn, pages: list[tuple[str, str, str]], repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    """Per page, the best of `repeat` runs (the least disturbed by the machine)."""
    out = []
    for _, url, html in pages:
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn(html, url)
            best = min(best, time.perf_counter() - t0)
        out.append(best)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per page; the best counts (default 1)")
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

    # Warm up imports and lazily built tables (public suffix list, regexes) outside the timing.
    ours(pages[0][2], pages[0][1])
    gc.collect()
    our_times = time_each(ours, pages, args.repeat)
    o50, o99, omean = stats(our_times)
    print(f"pages: {len(pages)} ({'one run each' if args.repeat == 1 else f'best of {args.repeat} runs each'})")
    print(f"analyze()          p50 {o50:7.2f} ms   p99 {o99:7.2f} ms   mean {omean:7.2f} ms")

    if trafilatura is not None:

        def theirs(html: str, url: str) -> None:
            trafilatura.extract(html, url=url)

        theirs(pages[0][2], pages[0][1])
        their_times = time_each(theirs, pages, args.repeat)
        t50, t99, tmean = stats(their_times)
        print(f"trafilatura.extract p50 {t50:7.2f} ms   p99 {t99:7.2f} ms   mean {tmean:7.2f} ms")
        print(f"ratio (trafilatura / ours): mean {tmean / omean:.1f}x   p50 {t50 / o50:.1f}x")
    else:
        print("trafilatura not installed: no comparison")

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
