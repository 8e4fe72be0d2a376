"""Text figures a reviewer can recompute: words, sentences, a reading-ease figure in the text's
language, repeated sentences, and term frequencies. Every pass is a C-level regex or Counter
over the text, never a Python loop per character."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from operator import itemgetter

from bot.analysis.keyword import content_words
from bot.analysis.language import DEFAULT_LANGUAGE, stem
from bot.analysis.lexicon import STOP_WORDS

# Every byte of UTF-8 text turned into "a" (a vowel) or "b" (anything else): a vowel group is then
# a "ba" (or a leading "a"), counted in C (str.translate with a dict goes character by character).
_VOWEL_MAP = bytes(ord("a") if b in b"aeiouy" else ord("b") for b in range(256))
_END_MARKS = bytes(0xFF if b in b" .," else b for b in range(256))
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


def _syllables(low: str) -> int:
    """Vowel groups minus silent final e's: the usual rough estimate, done with C string ops."""
    raw = low.encode("utf-8")  # vowels are ASCII; other letters' bytes are all >= 0x80
    marked = raw.translate(_VOWEL_MAP)
    groups = marked.count(b"ba") + marked.startswith(b"a")
    # "e " + "e." + "e,": the three end marks made one byte that UTF-8 never uses, one count.
    silent = raw.translate(_END_MARKS).count(b"e\xff")
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
    flesch: float | None  # None when there is too little text, or no formula for its language
    duplicate_sentence_ratio: float  # share of sentences (5+ words) that repeat an earlier one
    formula: str | None = None  # the reading-ease formula behind `flesch`
    language: str = DEFAULT_LANGUAGE


# The reading-ease formulas textstat has for languages other than English: Flesch's formula with
# constants fitted to each language. Its English one needs the CMU dictionary, which nltk fetches
# over the network at run time; English keeps the vowel-group estimate with Flesch's constants.
TEXTSTAT_FORMULAS = {
    "de": "Amstad (German Flesch)",
    "es": "Fernández Huerta (Spanish Flesch)",
    "fr": "Kandel-Moles (French Flesch)",
    "it": "Flesch-Vacca (Italian Flesch)",
    "nl": "Flesch-Douma (Dutch Flesch)",
    "ru": "Oborneva (Russian Flesch)",
    "hu": "Flesch with textstat's Hungarian constants",
}
ENGLISH_FORMULA = "Flesch reading ease (English)"
MIN_READABILITY_WORDS = 50
# Flesch scored 100-word samples; textstat hyphenates word by word in Python (about 10 µs a
# word), so other languages are scored on the first sentences up to this many words.
READABILITY_SAMPLE_WORDS = 120


def _sample(text: str, limit: int) -> str:
    """The first whole sentences of a text up to about `limit` words."""
    words = text.split()
    if len(words) <= limit:
        return " ".join(words)
    head = " ".join(words[:limit])
    cut = max(head.rfind(". "), head.rfind("? "), head.rfind("! "))
    return head[: cut + 1] if cut > len(head) // 3 else head


def reading_ease(text: str, language: str, n_words: int, avg_sentence_words: float,
                 text_lower: str | None = None) -> tuple[float | None, str | None]:
    """(reading ease, formula) in the text's language; (None, None) when there is too little
    text or no formula for the language."""
    if n_words < MIN_READABILITY_WORDS:
        return None, None
    if language == DEFAULT_LANGUAGE:
        syllables = max(_syllables(text_lower if text_lower is not None else text.lower()), n_words)
        return 206.835 - 1.015 * min(avg_sentence_words, 80.0) - 84.6 * (syllables / n_words), ENGLISH_FORMULA
    name = TEXTSTAT_FORMULAS.get(language)
    if name is None:
        return None, None
    # Imported on first use: textstat imports nltk, a second or more that English pages never pay.
    from textstat.backend.metrics import flesch_reading_ease

    return float(flesch_reading_ease(_sample(text, READABILITY_SAMPLE_WORDS), language)), name


def warm_up() -> None:
    """Import now what the analysis would otherwise import on its first page in a language
    textstat scores: textstat imports nltk, over a second that would land on one unlucky check (and
    count against its time limit). Called where analysis workers start (the checker's thread pool,
    the audit's worker processes) and by the speed bench, so that figures reflect steady state.

    The per-language hyphenation dictionaries stay lazy: German and Hungarian take over half a
    second and tens of MB each, which a worker should pay only if it meets such a page."""
    import textstat.backend.metrics  # noqa: F401


def figures(text: str, n_words: int | None = None, text_lower: str | None = None,
            language: str = DEFAULT_LANGUAGE) -> TextFigures:
    """Figures of `text`; `n_words` and `text_lower` (its word_count and lower-cased form) save
    recomputing them when the caller has them already."""
    n = n_words if n_words is not None else word_count(text)
    sentences = sentences_of(text)
    sc = max(1, len(sentences))
    avg = n / sc
    flesch, formula = reading_ease(text, language, n, avg, text_lower)
    long_sentences = [s for s in sentences if s.count(" ") >= 4]
    dup = 1 - len(set(long_sentences)) / len(long_sentences) if long_sentences else 0.0
    return TextFigures(
        word_count=n,
        sentence_count=len(sentences),
        avg_sentence_words=avg,
        flesch=flesch,
        duplicate_sentence_ratio=dup,
        formula=formula,
        language=language,
    )


def term_counts(text: str, language: str = DEFAULT_LANGUAGE) -> Counter[str]:
    """Counts of content terms (stems); stemming runs once per distinct word, not per occurrence."""
    out: Counter[str] = Counter()
    for word, count in Counter(content_words(text)).items():
        out[stem(word, language)] += count
    return out


def top_word(
    text_lower: str, tokens: list[str] | None = None, language: str = DEFAULT_LANGUAGE
) -> tuple[str, int] | None:
    """The most frequent non-stop word, its forms counted together (whitespace tokens, punctuation
    trimmed), shown as its most frequent form; `tokens`, when given, are ``text_lower.split()``."""
    # The 40 most frequent, as most_common(40) orders them (which is documented to equal this
    # stable sort), sorted in C rather than through heapq's Python loop.
    common = sorted(Counter(tokens if tokens is not None else text_lower.split()).items(), key=itemgetter(1), reverse=True)[:40]
    merged: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for token, count in common:
        word = token.strip(_PUNCT)
        if len(word) > 2 and word.isalpha() and word not in STOP_WORDS:
            term = stem(word, language)
            merged[term] += count
            shown.setdefault(term, word)
    if not merged:
        return None
    term, count = merged.most_common(1)[0]
    return shown[term], count


