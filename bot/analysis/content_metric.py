"""The article-body benchmark's score: F1 over 4-token shingles.

Kept in one place so the hand-run bench and the test suite score extraction identically. Rules
(from the shared dataset's README): tokens are ``\\w+`` runs with case kept; shingles are runs of
four consecutive tokens counted as a multiset; precision and recall are computed per page and each
averaged over pages, then combined as F1 = 2PR/(P+R). A page whose prediction is empty has no
precision, so it only lowers recall. As in the benchmark this comes from, a text shorter than four
tokens still yields one shingle made of all its tokens, so very short bodies are not scored as empty.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

SHINGLE_SIZE = 4
_TOKEN_RE = re.compile(r"\w+")


def shingles(text: str, size: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN_RE.findall(text or "")
    if not tokens:
        return Counter()
    if len(tokens) < size:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def page_precision_recall(prediction: str, truth: str) -> tuple[float | None, float]:
    """Precision (None when the prediction is empty) and recall of one page."""
    predicted = shingles(prediction)
    expected = shingles(truth)
    overlap = sum((predicted & expected).values())
    n_predicted = sum(predicted.values())
    n_expected = sum(expected.values())
    precision = overlap / n_predicted if n_predicted else None
    # A page with nothing to find is fully recalled; the dataset has no such page.
    recall = overlap / n_expected if n_expected else 1.0
    return precision, recall


def f1_score(predictions: Mapping[str, str], truths: Mapping[str, str]) -> tuple[float, float, float]:
    """(precision, recall, F1) over the pages of ``truths``; a missing prediction counts as empty."""
    precisions: list[float] = []
    recalls: list[float] = []
    for page_id, truth in truths.items():
        precision, recall = page_precision_recall(predictions.get(page_id, ""), truth)
        if precision is not None:
            precisions.append(precision)
        recalls.append(recall)
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f1
