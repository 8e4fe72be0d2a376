"""Text figures a reviewer can recompute: words, sentences, a Flesch reading-ease estimate,
repeated sentences, and term frequencies. Every pass is a C-level regex or Counter
over the text, never a Python loop per character."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from bot.analysis.lexicon import STOP_WORDS

_ALPHA_WORD = re.compile(r"[^\W\d_]{2,}")
# ASCII bytes with every vowel turned into "a": vowel groups then become runs of "a" that
# bytes.replace/count handle in C (str.translate with a dict goes character by character).
_VOWEL_BYTES = bytes.maketrans(b"eiouy", b"aaaaa")
_PUNCT = ".,;:!?\"'()[]{}«»“”‘’—–-…*#/\\|<>"


def words(text: str) -> list[str]:
    """Whitespace-separated words that contain a letter or digit."""
    return [w for w in text.split() if not w.strip(_PUNCT) == ""]


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
    raw = low.encode("ascii", "ignore")
    marked = raw.translate(_VOWEL_BYTES)
    while b"aa" in marked:  # collapse each vowel group to one "a" (a few passes at most)
        marked = marked.replace(b"aaaa", b"a").replace(b"aa", b"a")
    silent = raw.count(b"e ") + raw.count(b"e.") + raw.count(b"e,")
    short_e = sum(raw.count(b" %s " % w) for w in (b"the", b"he", b"she", b"be", b"we", b"me"))
    return marked.count(b"a") - silent + short_e


def sentences_of(text: str) -> list[str]:
    flat = text.replace("!", ".").replace("?", ".").replace("\n", ". ")
    return [s.strip() for s in flat.split(". ") if len(s.strip()) > 1]


@dataclass(frozen=True)
class TextFigures:
    word_count: int
    sentence_count: int
    avg_sentence_words: float
    flesch: float | None  # None when there is too little text to say anything
    duplicate_sentence_ratio: float  # share of sentences (5+ words) that repeat an earlier one


def figures(text: str, word_list: list[str] | None = None) -> TextFigures:
    ws = word_list if word_list is not None else words(text)
    n = len(ws)
    sentences = sentences_of(text)
    sc = max(1, len(sentences))
    avg = n / sc
    flesch = None
    if n >= 50:
        syllables = max(_syllables(text.lower()), n)
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


def _variants(term: str) -> list[str]:
    forms = [term, term + "s", term + "es"]
    if term.endswith("y"):
        forms.append(term[:-1] + "ies")
    return forms


def keyword_counts(text_lower: str, terms: list[str]) -> dict[str, int]:
    """Whole-word counts of stemmed terms (plural forms included) in lower-cased text, in one pass."""
    if not terms:
        return {}
    forms = sorted({f for t in terms for f in _variants(t)}, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(f) for f in forms) + r")(?!\w)")
    counts = dict.fromkeys(terms, 0)
    for m in pattern.findall(text_lower):
        key = stem(m)
        if key in counts:
            counts[key] += 1
        elif m in counts:
            counts[m] += 1
    return counts


def top_word(text_lower: str) -> tuple[str, int] | None:
    """The most frequent non-stop word (whitespace tokens, punctuation trimmed)."""
    common = Counter(text_lower.split()).most_common(40)
    merged: Counter[str] = Counter()
    for token, count in common:
        word = token.strip(_PUNCT)
        if len(word) > 2 and word.isalpha() and word not in STOP_WORDS:
            merged[stem(word)] += count
    return merged.most_common(1)[0] if merged else None


def phrase_count(text_lower: str, phrase: str) -> int:
    """Whole-word occurrences of a phrase (already lower-cased) in lower-cased text."""
    phrase = " ".join(phrase.split())
    if not phrase:
        return 0
    pattern = r"(?<!\w)" + r"\s+".join(re.escape(p) for p in phrase.split()) + r"(?!\w)"
    return len(re.findall(pattern, text_lower))
