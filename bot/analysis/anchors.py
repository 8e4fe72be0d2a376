"""Anchor-text classes as link builders use them.

Order of the checks (first match wins): empty → image (an image link whose alt says nothing) →
naked_url → generic → branded (the anchor *is* the brand) → exact_match (the anchor is the
keyword) → branded (the brand plus other words) → partial_match (most keyword terms) →
descriptive. The brand is the first label of the link's registrable domain (``best-shoes.co.uk``
→ "best shoes"), which for a target link is the target's brand; its first word alone ("Acme" for
``acme-tools.com``) is the brand too.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.analysis.lexicon import GENERIC_ANCHOR_WORDS, GENERIC_ANCHORS, MAX_GENERIC_WORDS
from bot.analysis.text_stats import content_terms

_NAKED_URL = re.compile(r"^(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)+(?::\d+)?(?:[/?#]\S*)?$", re.I)
_NON_ALNUM = re.compile(r"[\W_]+")


def _normal(text: str) -> str:
    low = text.lower()
    if low.replace(" ", "").isalnum():  # plain words: no punctuation to blank out
        return " ".join(low.split())
    return " ".join(_NON_ALNUM.sub(" ", low).split())


@lru_cache(maxsize=256)
def _keyword_forms(keyword: str) -> tuple[str, str, frozenset[str], tuple[str, ...]]:
    """(normal form, without spaces, content terms, the stems that gate the partial-match test)."""
    normal = _normal(keyword)
    terms = frozenset(content_terms(keyword))
    # A term's stem minus its last letter, so "story" still finds "stories".
    gates = tuple(dict.fromkeys(t[: max(3, len(t) - 1)] for t in terms))
    return normal, normal.replace(" ", ""), terms, gates


_NO_KEYWORD: tuple[str, str, frozenset[str], tuple[str, ...]] = ("", "", frozenset(), ())


def classify_anchor(text: str, *, is_image: bool, brand: str, keyword: str | None) -> str:
    """The anchor class of a link's text (alt/aria-label/title already substituted when empty)."""
    return classify_anchor_fast(text, is_image, brand, keyword)


@lru_cache(maxsize=256)
def _brand_forms(brand: str) -> tuple[str, str]:
    """(the brand without spaces, its first word when it has several): "acme-tools" → ("acmetools",
    "acme"), since people call Acme Tools "Acme". A head under four letters says too little."""
    words = _normal(brand).split()
    head = words[0] if len(words) > 1 and len(words[0]) >= 4 else ""
    return "".join(words), head


_EARLY = frozenset({"empty", "image", "naked_url", "generic"})


@lru_cache(maxsize=8192)
def _text_facts(text: str, is_image: bool, keyword: str | None) -> tuple[str, str, bool]:
    """What the class of an anchor text is without its link's brand: (class, compact text, the
    text is the keyword written differently). Cached apart from the brand, which differs per site
    while "Home", "Contact" or "Read more" repeat everywhere."""
    stripped = text.strip()
    normal = _normal(stripped) if stripped else ""
    if not normal:
        return ("image" if is_image else "empty"), "", False
    if " " not in stripped and "." in stripped and _NAKED_URL.match(stripped):
        return "naked_url", "", False
    if normal in GENERIC_ANCHORS:
        return "generic", "", False
    words = normal.split()
    if 1 < len(words) <= MAX_GENERIC_WORDS and GENERIC_ANCHOR_WORDS.issuperset(words):
        return "generic", "", False
    compact = normal.replace(" ", "")
    kw_normal, kw_compact, kw_terms, kw_gates = _keyword_forms(keyword) if keyword else _NO_KEYWORD
    if kw_normal and (normal == kw_normal or compact == kw_compact):
        return "exact_match", compact, True
    # Cheap gate: no keyword term inside the anchor at all means neither exact nor partial.
    if kw_gates and any(map(normal.__contains__, kw_gates)):
        anchor_terms = set(content_terms(normal))
        if anchor_terms == kw_terms:
            return "exact_match", compact, False  # same words up to stop words and plurals
        shared = kw_terms & anchor_terms
        # All terms (with extra words) or most of a multi-word keyword: still optimised toward it.
        if shared == kw_terms or (len(kw_terms) >= 2 and len(shared) / len(kw_terms) >= 0.5):
            return "partial_match", compact, False
    return "descriptive", compact, False


def classify_anchor_fast(text: str, is_image: bool, brand: str, keyword: str | None) -> str:
    """classify_anchor with positional arguments: the form the link scan calls per link."""
    cls, compact, keyword_itself = _text_facts(text, is_image, keyword)
    if cls in _EARLY:
        return cls
    brand_compact, brand_head = _brand_forms(brand)
    if len(brand_compact) >= 3:
        if compact == brand_compact or compact == brand_head:
            return "branded"
        if not keyword_itself and brand_compact in compact:
            return "branded"
    return cls
