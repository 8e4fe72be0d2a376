"""Anchor-text classes as link builders use them.

Order of the checks (first match wins): empty → image (an image link whose alt says nothing) →
naked_url → generic → branded (the anchor *is* the brand) → exact_match (the anchor is the
keyword) → branded (the brand plus other words) → partial_match (most keyword terms) →
descriptive. The brand is the first label of the link's registrable domain (``best-shoes.co.uk``
→ "best shoes"), which for a target link is the target's brand.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.analysis.lexicon import GENERIC_ANCHORS
from bot.analysis.text_stats import content_terms

_NAKED_URL = re.compile(r"^(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)+(?::\d+)?(?:[/?#]\S*)?$", re.I)
_NON_ALNUM = re.compile(r"[\W_]+")


def _normal(text: str) -> str:
    low = text.lower()
    if low.replace(" ", "").isalnum():  # plain words: no punctuation to blank out
        return " ".join(low.split())
    return " ".join(_NON_ALNUM.sub(" ", low).split())


@lru_cache(maxsize=256)
def _keyword_forms(keyword: str) -> tuple[str, str, frozenset[str]]:
    normal = _normal(keyword)
    return normal, normal.replace(" ", ""), frozenset(content_terms(keyword))


def classify_anchor(text: str, *, is_image: bool, brand: str, keyword: str | None) -> str:
    """The anchor class of a link's text (alt/aria-label/title already substituted when empty)."""
    return classify_anchor_fast(text, is_image, brand, keyword)


@lru_cache(maxsize=256)
def _brand_compact(brand: str) -> str:
    return _normal(brand).replace(" ", "")


@lru_cache(maxsize=8192)
def classify_anchor_fast(text: str, is_image: bool, brand: str, keyword: str | None) -> str:
    """classify_anchor with positional arguments: the cached form the link scan calls per link."""
    stripped = text.strip()
    normal = _normal(stripped) if stripped else ""
    if not normal:
        return "image" if is_image else "empty"
    if " " not in stripped and "." in stripped and _NAKED_URL.match(stripped):
        return "naked_url"
    if normal in GENERIC_ANCHORS:
        return "generic"
    compact = normal.replace(" ", "")
    brand_compact = _brand_compact(brand)
    if len(brand_compact) >= 3 and compact == brand_compact:
        return "branded"
    kw_normal, kw_compact, kw_terms = _keyword_forms(keyword) if keyword else ("", "", frozenset())
    if kw_normal and (normal == kw_normal or compact == kw_compact):
        return "exact_match"
    if len(brand_compact) >= 3 and brand_compact in compact:
        return "branded"
    # Cheap gate: no keyword term inside the anchor at all means neither exact nor partial.
    # (a term's stem minus its last letter, so "story" still finds "stories").
    if kw_terms and any(t[: max(3, len(t) - 1)] in normal for t in kw_terms):
        anchor_terms = set(content_terms(normal))
        if anchor_terms == kw_terms:
            return "exact_match"  # same words up to stop words and plurals: "the best running shoes"
        shared = kw_terms & anchor_terms
        # All terms (with extra words) or most of a multi-word keyword: still optimised toward it.
        if shared == kw_terms or (len(kw_terms) >= 2 and len(shared) / len(kw_terms) >= 0.5):
            return "partial_match"
    return "descriptive"
