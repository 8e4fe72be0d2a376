"""Text figures a reviewer can recompute: words, sentences, a Flesch reading-ease estimate,
repeated sentences, and term frequencies. Every pass is a C-level regex or Counter
over the text, never a Python loop per character."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from bot.analysis.lexicon import STOP_WORDS

_ALPHA_WORD = re.compile(r"[^\W\d_]{2,}")
# Every byte of UTF-8 text turned into "a" (a vowel) or "b" (anything else): a vowel group is then
# a "ba" (or a leading "a"), counted in C (str.translate with a dict goes character by character).
_VOWEL_MAP = bytes(ord("a") if b in b"aeiouy" else ord("b") for b in range(256))
_PUNCT = ".,;:!?\"'()[]{}«»“”‘’—–-…*#/\\|<>"
_PUNCT_SET = frozenset(_PUNCT)


def word_count(text: str) -> int:
    """Number of whitespace-separated words; stray punctuation tokens ("—", "|") are not words."""
    return count_words(text.split())


def count_words(tokens: list[str]) -> int:
    """word_count of already split text. Lower-casing changes neither the splitting nor which
    tokens are punctuation, so the tokens of the lower-cased text give the same count."""
    # Only one-character tokens can be in the set: map() keeps the loop in C.
    return len(tokens) - sum(map(_PUNCT_SET.__contains__, tokens))


def stem(token: str) -> str:
    """Just enough folding for matching keywords: shoes/shoe, stories/story, running/run is left alone."""
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token if token[:-1] in STOP_WORDS else token[:-1]
    return token


def content_terms(text: str) -> list[str]:
    """Lower-cased, stop words removed, lightly stemmed; letters only (numbers rarely carry topic)."""
    return [stem(t) for t in _ALPHA_WORD.findall(text.lower()) if t not in STOP_WORDS]


def _syllables(low: str) -> int:
    """Vowel groups minus silent final e's: the usual rough estimate, done with C string ops."""
    raw = low.encode("utf-8")  # vowels are ASCII; other letters' bytes are all >= 0x80
    marked = raw.translate(_VOWEL_MAP)
    groups = marked.count(b"ba") + marked.startswith(b"a")
    silent = raw.count(b"e ") + raw.count(b"e.") + raw.count(b"e,")
    short_e = sum(raw.count(b" %s " % w) for w in (b"the", b"he", b"she", b"be", b"we", b"me"))
    return groups - silent + short_e


def sentences_of(text: str) -> list[str]:
    flat = text.replace("!", ".").replace("?", ".").replace("\n", ". ")
    return [s for s in map(str.strip, flat.split(". ")) if len(s) > 1]


@dataclass(frozen=True)
class TextFigures:
    word_count: int
    sentence_count: int
    avg_sentence_words: float
    flesch: float | None  # None when there is too little text to say anything
    duplicate_sentence_ratio: float  # share of sentences (5+ words) that repeat an earlier one


def figures(text: str, n_words: int | None = None, text_lower: str | None = None) -> TextFigures:
    """Figures of `text`; `n_words` and `text_lower` (its word_count and lower-cased form) save
    recomputing them when the caller has them already."""
    n = n_words if n_words is not None else word_count(text)
    sentences = sentences_of(text)
    sc = max(1, len(sentences))
    avg = n / sc
    flesch = None
    if n >= 50:
        syllables = max(_syllables(text_lower if text_lower is not None else text.lower()), n)
        flesch = 206.835 - 1.015 * min(avg, 80.0) - 84.6 * (syllables / n)
    long_sentences = [s for s in sentences if s.count(" ") >= 4]
    dup = 1 - len(set(long_sentences)) / len(long_sentences) if long_sentences else 0.0
    return TextFigures(
        word_count=n,
        sentence_count=len(sentences),
        avg_sentence_words=avg,
        flesch=flesch,
        duplicate_sentence_ratio=dup,
    )


def term_counts(text: str) -> Counter[str]:
    """Counts of content terms; stemming runs once per distinct word, not per occurrence."""
    raw = Counter(_ALPHA_WORD.findall(text.lower()))
    out: Counter[str] = Counter()
    for token, count in raw.items():
        if token not in STOP_WORDS:
            out[stem(token)] += count
    return out


# Patterns below start with a literal (the word itself), which lets the regex engine jump from
# candidate to candidate; a leading look-behind or \b would make it try every position (about
# 15 times slower). The word boundary before a match is checked in Python instead.


def _starts_word(text: str, pos: int) -> bool:
    return pos == 0 or not (text[pos - 1].isalnum() or text[pos - 1] == "_")


@lru_cache(maxsize=256)
def _term_pattern(term: str) -> re.Pattern[str]:
    """The term and its plural forms: shoe/shoes, box/boxes, story/stories."""
    if term.endswith("y") and len(term) > 2:
        return re.compile(re.escape(term[:-1]) + r"(?:y|ys|ies)(?!\w)")
    return re.compile(re.escape(term) + r"(?:s|es)?(?!\w)")


def keyword_counts(text_lower: str, terms: list[str]) -> dict[str, int]:
    """Whole-word counts of stemmed terms (plural forms included) in lower-cased text."""
    return {
        t: sum(1 for m in _term_pattern(t).finditer(text_lower) if _starts_word(text_lower, m.start()))
        for t in dict.fromkeys(terms)
    }


def top_word(text_lower: str, tokens: list[str] | None = None) -> tuple[str, int] | None:
    """The most frequent non-stop word (whitespace tokens, punctuation trimmed); `tokens`, when
    given, are ``text_lower.split()`` already made."""
    common = Counter(tokens if tokens is not None else text_lower.split()).most_common(40)
    merged: Counter[str] = Counter()
    for token, count in common:
        word = token.strip(_PUNCT)
        if len(word) > 2 and word.isalpha() and word not in STOP_WORDS:
            merged[stem(word)] += count
    return merged.most_common(1)[0] if merged else None


@lru_cache(maxsize=256)
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    return re.compile(r"\s+".join(re.escape(p) for p in phrase.split()) + r"(?!\w)")


def phrase_count(text_lower: str, phrase: str) -> int:
    """Whole-word occurrences of a phrase (already lower-cased) in lower-cased text."""
    phrase = " ".join(phrase.split())
    if not phrase:
        return 0
    return sum(1 for m in _phrase_pattern(phrase).finditer(text_lower) if _starts_word(text_lower, m.start()))
