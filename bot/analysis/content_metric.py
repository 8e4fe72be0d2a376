"""The article-body benchmark's scores: F1 over 4-token shingles, and the in-content link metric.

Kept in one place so the hand-run bench and the test suite score extraction identically. Rules
(from the shared dataset's README): tokens are ``\\w+`` runs with case kept; shingles are runs of
four consecutive tokens counted as a multiset; precision and recall are computed per page and each
averaged over pages, then combined as F1 = 2PR/(P+R). A page whose prediction is empty has no
precision, so it only lowers recall. As in the benchmark this comes from, a text shorter than four
tokens still yields one shingle made of all its tokens, so very short bodies are not scored as empty.
The link metric is described where it starts, below.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

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


# --- in-content links -----------------------------------------------------------------------------
# The dataset README's second metric: is each labelled link of a page inside the article? Labels are
# every <a href> whose URL (resolved against the page URL or its <base href>, fragment stripped) is
# http(s) and whose whole text has at least MIN_LINK_TOKENS tokens; a link is *content* when its
# tokens occur contiguously in the labelled body's tokens. Precision, recall and F1 of the content
# class are pooled over every labelled link of every page.

MIN_LINK_TOKENS = 3


@dataclass(frozen=True)
class LabelledLink:
    href: str  # resolved, fragment stripped
    tokens: tuple[str, ...]  # case kept
    content: bool


def tokens(text: str) -> tuple[str, ...]:
    return tuple(_TOKEN_RE.findall(text or ""))


class TokenIndex:
    """A text's token sequence with a position index on its first tokens, for many run look-ups."""

    def __init__(self, text: str, lower: bool = False) -> None:
        found = _TOKEN_RE.findall(text or "")
        self.tokens = [t.lower() for t in found] if lower else found
        self._at: dict[str, list[int]] = {}
        for i, tok in enumerate(self.tokens):
            self._at.setdefault(tok, []).append(i)

    def __contains__(self, needle: Sequence[str]) -> bool:
        n = len(needle)
        toks = self.tokens
        target = list(needle)
        return any(toks[i : i + n] == target for i in self._at.get(needle[0], ()))


def normalise_href(href: str, base: str) -> str | None:
    """An href resolved against `base`, without its fragment, when it is http(s); else None. An
    empty href is the page itself, as a browser takes it."""
    href = (href or "").strip()
    try:
        url = urldefrag(urljoin(base, href)).url
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def labelled_links(html: str, page_url: str, body: str) -> list[LabelledLink]:
    """The labelled links of one page, in document order."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    base = page_url
    for node in tree.css("base[href]"):
        try:
            base = urljoin(page_url, (node.attributes.get("href") or "").strip())
        except ValueError:
            pass
        break
    truth = TokenIndex(body)
    out: list[LabelledLink] = []
    for node in tree.css("a[href]"):
        href = normalise_href(node.attributes.get("href") or "", base)
        if href is None:
            continue
        toks = tokens(node.text(deep=True, separator=" "))
        if len(toks) < MIN_LINK_TOKENS:
            continue
        out.append(LabelledLink(href, toks, toks in truth))
    return out


def text_predicts(links: Sequence[LabelledLink], extracted: str) -> list[bool]:
    """An extractor that returns text places a link in the content when the link's tokens occur
    contiguously in that text."""
    index = TokenIndex(extracted)
    return [link.tokens in index for link in links]


def paired_predicts(links: Sequence[LabelledLink], placed: Sequence[tuple[str, str, bool]]) -> list[bool]:
    """Predictions from a system that places its own links: `placed` holds (normalised href, anchor
    text, in content). Each labelled link takes one unused placed link with the same href and the
    same lower-cased anchor tokens, else the same anchor tokens, else the same href; a labelled link
    left without one is predicted boilerplate."""
    by_both: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    by_tokens: dict[tuple[str, ...], list[int]] = {}
    by_href: dict[str, list[int]] = {}
    for i, (href, text, _content) in enumerate(placed):
        toks = tuple(t.lower() for t in tokens(text))
        by_both.setdefault((href, toks), []).append(i)
        by_tokens.setdefault(toks, []).append(i)
        by_href.setdefault(href, []).append(i)
    used: set[int] = set()

    def take(candidates: list[int] | None) -> int | None:
        for i in candidates or ():
            if i not in used:
                used.add(i)
                return i
        return None

    out: list[bool] = []
    for link in links:
        low = tuple(t.lower() for t in link.tokens)
        i = take(by_both.get((link.href, low)))
        if i is None:
            i = take(by_tokens.get(low))
        if i is None:
            i = take(by_href.get(link.href))
        out.append(i is not None and placed[i][2])
    return out


@dataclass
class LinkCounts:
    """Pooled counts of the content class."""

    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0
    true_neg: int = 0

    def add(self, links: Sequence[LabelledLink], predicted: Sequence[bool]) -> None:
        for link, guess in zip(links, predicted, strict=True):
            if link.content and guess:
                self.true_pos += 1
            elif guess:
                self.false_pos += 1
            elif link.content:
                self.false_neg += 1
            else:
                self.true_neg += 1

    def __iadd__(self, other: LinkCounts) -> LinkCounts:
        self.true_pos += other.true_pos
        self.false_pos += other.false_pos
        self.false_neg += other.false_neg
        self.true_neg += other.true_neg
        return self

    def scores(self) -> tuple[float, float, float]:
        """(precision, recall, F1) of the content class."""
        tp = self.true_pos
        p = tp / (tp + self.false_pos) if tp + self.false_pos else 0.0
        r = tp / (tp + self.false_neg) if tp + self.false_neg else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f1
