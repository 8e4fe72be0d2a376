"""The one keyword matcher: every factor that asks "does this text use the keyword?" asks it here.

A keyword is its content words (stop words dropped), each reduced to its Snowball stem in the
page's language, compared case-blind: "Composting bins" uses the keyword "compost bin". Relevance,
content quality and the anchor classes all count with these functions, so the report never says
"compost ×6" in one factor and "the keyword appears 0×" in another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.analysis.language import DEFAULT_LANGUAGE, stem
from bot.analysis.lexicon import STOP_WORDS

_ALPHA_WORD = re.compile(r"[^\W\d_]{2,}")
# Between two words of a phrase only spaces, hyphens and stop words may stand: "compost bins",
# "compost-bin", "compost at home" for "compost home"; a full stop or comma ends the phrase.
_GAP_CHARS = " \t\n\r\u00a0-"
MAX_GAP_STOP_WORDS = 3


@dataclass(frozen=True, eq=False)
class Keyword:
    """A keyword as the page's language reads it.

    Compared and hashed by identity: it keys the per-link anchor cache, and make_keyword hands out
    one object per (text, language), so the tuple fields need not be hashed on every link."""

    text: str
    language: str
    terms: tuple[str, ...]  # distinct stems, in the keyword's order
    sequence: tuple[str, ...]  # the stems of its content words in order, repeats kept
    words: tuple[str, ...]  # the keyword's own word for each term, to show in evidence

    def __str__(self) -> str:
        return self.text

    def word_for(self, term: str) -> str:
        return self.words[self.terms.index(term)] if term in self.terms else term


def content_words(text: str) -> list[str]:
    """Lower-cased words of two letters or more, stop words removed; numbers carry little topic."""
    return [w for w in _ALPHA_WORD.findall(text.lower()) if w not in STOP_WORDS]


def terms_of(text: str, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """The stems of a text's content words, in order."""
    return [stem(w, language) for w in content_words(text)]


@lru_cache(maxsize=256)
def make_keyword(text: str, language: str = DEFAULT_LANGUAGE) -> Keyword:
    text = " ".join(text.split())
    words = content_words(text)
    sequence = tuple(stem(w, language) for w in words)
    first_word: dict[str, str] = {}
    for term, word in zip(sequence, words, strict=True):
        first_word.setdefault(term, word)
    return Keyword(
        text=text,
        language=language,
        terms=tuple(first_word),
        sequence=sequence,
        words=tuple(first_word.values()),
    )


def _gate(term: str) -> str:
    """A prefix every word with this stem starts with, up to rare exceptions: stems drop endings
    (and English turns a final y into i: story → stori), so the first three letters survive."""
    return term[:3]


@lru_cache(maxsize=256)
def _prefix_pattern(prefix: str) -> re.Pattern[str]:
    # A literal start lets the regex engine jump between candidates; the word boundary before a
    # match is checked in Python (a look-behind would make it try every position).
    return re.compile(re.escape(prefix) + r"[^\W\d_]*")


def _starts_word(text: str, pos: int) -> bool:
    return pos == 0 or not (text[pos - 1].isalnum() or text[pos - 1] == "_")


def term_counts(text_lower: str, keyword: Keyword) -> dict[str, int]:
    """Whole-word occurrences of each keyword term (any word with its stem) in lower-cased text.

    Only the words that share a term's first letters are stemmed, never the whole vocabulary."""
    counts = dict.fromkeys(keyword.terms, 0)
    by_gate: dict[str, list[str]] = {}
    for term in keyword.terms:
        by_gate.setdefault(_gate(term), []).append(term)
    language = keyword.language
    for gate, terms in by_gate.items():
        for m in _prefix_pattern(gate).finditer(text_lower):
            if _starts_word(text_lower, m.start()):
                s = stem(m.group(), language)
                if s in counts and s in terms:
                    counts[s] += 1
    return counts


def phrase_count(text_lower: str, keyword: Keyword) -> int:
    """Occurrences of the whole keyword: its terms in order, with at most a few stop words,
    spaces or hyphens between them. A one-term keyword is counted like its term."""
    seq = keyword.sequence
    if not seq:
        return 0
    if len(seq) == 1:
        return term_counts(text_lower, keyword)[seq[0]]
    language = keyword.language
    first, rest = seq[0], seq[1:]
    hits = 0
    for m in _prefix_pattern(_gate(first)).finditer(text_lower):
        if not _starts_word(text_lower, m.start()) or stem(m.group(), language) != first:
            continue
        pos = m.end()
        matched = 0
        stops = 0
        for w in _ALPHA_WORD.finditer(text_lower, pos):
            if text_lower[pos : w.start()].strip(_GAP_CHARS):
                break
            word = w.group()
            pos = w.end()
            if word in STOP_WORDS:
                stops += 1
                if stops > MAX_GAP_STOP_WORDS:
                    break
                continue
            if stem(word, language) != rest[matched]:
                break
            matched += 1
            if matched == len(rest):
                hits += 1
                break
    return hits


def terms_in(text: str, keyword: Keyword) -> list[str]:
    """The keyword terms a short text (a title, headings, an anchor) uses."""
    found = set(terms_of(text, keyword.language))
    return [t for t in keyword.terms if t in found]


__all__ = ["Keyword", "content_words", "make_keyword", "phrase_count", "term_counts", "terms_in", "terms_of"]
