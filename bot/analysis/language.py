"""The page's language, and the one stemmer every keyword comparison goes through.

Snowball stemmers (snowballstemmer, which uses PyStemmer's C build when it is installed) in the
language the page declares, English when it declares none or one Snowball does not know: a page
about "composting" then talks about the keyword "compost", in whatever language it is written.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import snowballstemmer

DEFAULT_LANGUAGE = "en"

# ISO 639-1 codes (what <html lang> and Content-Language carry) → Snowball algorithm names.
_SNOWBALL: dict[str, str] = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech", "da": "danish",
    "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian", "fi": "finnish", "fr": "french",
    "de": "german", "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian",
    "nn": "norwegian", "fa": "persian", "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian",
    "sr": "serbian", "st": "sesotho", "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish",
    "yi": "yiddish",
}
_KNOWN = frozenset(code for code, name in _SNOWBALL.items() if name in snowballstemmer.algorithms())
MAX_STEM_CACHE = 65_536


def language_of(html_lang: str | None, content_language: str | None = None) -> str:
    """The primary language subtag ("pt" for "pt-BR"): <html lang> first, as browsers read it,
    then the first Content-Language; English when neither names a language."""
    for raw in (html_lang, (content_language or "").split(",")[0]):
        code = (raw or "").strip().lower().replace("_", "-").split("-")[0]
        if 2 <= len(code) <= 3 and code.isalpha():
            return code
    return DEFAULT_LANGUAGE


def stemmer_language(language: str) -> str:
    """The language whose stemmer serves `language`: itself when Snowball has one, else English
    (whose stemmer leaves words of other scripts as they are)."""
    return language if language in _KNOWN else DEFAULT_LANGUAGE


# PyStemmer objects keep an internal buffer and are not safe to share between threads, and the
# analysis runs in worker threads: one stemmer per thread and language.
_local = threading.local()


def _stemmer(language: str) -> snowballstemmer.stemmer:
    per_thread: dict[str, snowballstemmer.stemmer] | None = getattr(_local, "stemmers", None)
    if per_thread is None:
        per_thread = _local.stemmers = {}
    found = per_thread.get(language)
    if found is None:
        found = per_thread[language] = snowballstemmer.stemmer(_SNOWBALL[language])
    return found


@lru_cache(maxsize=MAX_STEM_CACHE)
def stem(word: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The stem of a lower-cased word in a language: composting → compost, bins → bin.

    The cache is shared by every page: the same few thousand words come back on every page."""
    return _stemmer(stemmer_language(language)).stemWord(word)


__all__ = ["DEFAULT_LANGUAGE", "language_of", "stem", "stemmer_language"]
