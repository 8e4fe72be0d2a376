"""Article-body extraction: ours against readability-lxml and trafilatura, in one run.

Run by hand: ``python bench/content_f1.py [--repeat N]``. Prints, for the 111 shared pages, the
benchmark's F1/precision/recall and the mean milliseconds a page of each extractor, then the ratios.
Ours is timed twice: content detection alone on an already parsed tree, and parse + detection (the
fair comparison, since the peers parse the HTML themselves). Also prints our F1 on the two halves of
the dataset (alternate ids), to show the rules are not fitted to a few pages.
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings
from collections.abc import Callable

from _dataset import DATASET_DIR, dataset_available, f1_score, iter_pages
from selectolax.lexbor import LexborHTMLParser

from bot.analysis.content import find_main_content


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


def _run(
    extract: Callable[[str, str], str], pages: list[tuple[str, str, str, str]], repeat: int
) -> tuple[dict[str, str], float]:
    predictions: dict[str, str] = {}
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for page_id, url, html, _truth in pages:
            predictions[page_id] = extract(html, url)
        best = min(best, time.perf_counter() - start)
    return predictions, best / len(pages) * 1000.0


def _content_only_ms(pages: list[tuple[str, str, str, str]], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        trees = [LexborHTMLParser(html) for _id, _url, html, _truth in pages]
        start = time.perf_counter()
        for tree in trees:
            find_main_content(tree)
        best = min(best, time.perf_counter() - start)
    return best / len(pages) * 1000.0


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
    rows: dict[str, tuple[float, float, float, float]] = {}
    for name, extract in (("ours", _ours), ("readability-lxml", _readability), ("trafilatura", _trafilatura)):
        predictions, ms = _run(extract, pages, args.repeat if name == "ours" else 1)
        rows[name] = (*f1_score(predictions, truths), ms)
        if name == "ours":
            ids = sorted(truths)
            halves = [{i: truths[i] for i in ids[k::2]} for k in (0, 1)]
            half_f1 = [f1_score(predictions, half)[2] for half in halves]

    content_ms = _content_only_ms(pages, args.repeat)
    print(f"{len(pages)} pages from {DATASET_DIR}")
    print(f"{'extractor':18} {'F1':>7} {'P':>7} {'R':>7} {'ms/page':>9}")
    for name, (p, r, f1, ms) in rows.items():
        print(f"{name:18} {f1:7.4f} {p:7.4f} {r:7.4f} {ms:9.2f}")
    print(f"ours, content detection alone on a parsed tree: {content_ms:.3f} ms/page")
    print(f"ours F1 on alternate halves of the pages: {half_f1[0]:.4f} / {half_f1[1]:.4f}")
    ours = rows["ours"]
    for peer in ("readability-lxml", "trafilatura"):
        other = rows[peer]
        print(
            f"vs {peer}: F1 {ours[2] - other[2]:+.4f}, "
            f"{other[3] / ours[3]:.1f}x faster (parse + detection), "
            f"{other[3] / content_ms:.1f}x faster (detection alone)"
        )


if __name__ == "__main__":
    main()
