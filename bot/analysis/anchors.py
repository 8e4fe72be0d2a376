"""Anchor-text classes as link builders use them.

Order of the checks (first match wins): image (a link whose visible content is only an image;
its alt text is shown as its anchor text) → empty → naked_url → generic → branded (the anchor
*is* the brand) → exact_match (the anchor is the keyword) → branded (the brand as a word of a
short phrase) → partial_match (most keyword terms) → descriptive. The brand is the first label of
the link's registrable domain (``best-shoes.co.uk`` → "best shoes"), which for a target link is
the target's brand; its first word alone ("Acme" for ``acme-tools.com``) is the brand too, and so
is the label without a common affix (``getacme.com``, ``acmehq.com`` → "acme"). Keyword terms are
compared by the one matcher of keyword.py.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bot.analysis.keyword import Keyword, make_keyword, terms_of
from bot.analysis.lexicon import (
    BRAND_PREFIXES,
    BRAND_SUFFIXES,
    GENERIC_ANCHOR_WORDS,
    GENERIC_ANCHORS,
    MAX_GENERIC_WORDS,
)

_NAKED_URL = re.compile(r"^(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)+(?::\d+)?(?:[/?#]\S*)?$", re.I)
_NON_ALNUM = re.compile(r"[\W_]+")
# The brand inside a phrase counts when the phrase is short ("the Acme team", "Acme's guide"); in
# a longer anchor it is one word among many describing the page.
MAX_BRAND_PHRASE_WORDS = 6
MIN_BRAND_CORE = 3


def _normal(text: str) -> str:
    low = text.lower()
    if low.replace(" ", "").isalnum():  # plain words: no punctuation to blank out
        return " ".join(low.split())
    return " ".join(_NON_ALNUM.sub(" ", low).split())


@lru_cache(maxsize=256)
def _keyword_forms(keyword: Keyword) -> tuple[str, str, frozenset[str], tuple[str, ...]]:
    """(normal form, without spaces, its stems, the prefixes that gate the partial-match test)."""
    normal = _normal(keyword.text)
    terms = frozenset(keyword.terms)
    # Every word with one of these stems starts with its first three letters (see keyword.py).
    gates = tuple(dict.fromkeys(t[:3] for t in terms))
    return normal, normal.replace(" ", ""), terms, gates


_NO_KEYWORD: tuple[str, str, frozenset[str], tuple[str, ...]] = ("", "", frozenset(), ())


def _as_keyword(keyword: str | Keyword | None) -> Keyword | None:
    if keyword is None or isinstance(keyword, Keyword):
        return keyword
    return make_keyword(keyword) if keyword.strip() else None


def classify_anchor(text: str, *, is_image: bool, brand: str, keyword: str | Keyword | None) -> str:
    """The anchor class of a link's text (alt/aria-label/title already substituted when empty)."""
    return classify_anchor_fast(text, is_image, brand, _as_keyword(keyword))


@lru_cache(maxsize=256)
def _brand_forms(brand: str) -> tuple[str, str, tuple[str, ...], tuple[str, ...]]:
    """(the brand without spaces, its first word when it has several, the forms that name the
    brand inside a phrase, the strings one of which every such anchor contains).

    "acme-tools" → ("acmetools", "acme", ("acme tools", "acmetools"), ("acmetools",)), since people
    call Acme Tools "Acme"; "getacme" → (…, ("getacme", "acme"), ("acme",)): a domain that adds a
    common affix (getX, tryX, Xapp, Xhq, Xofficial) names the brand X. A head under four letters
    says too little."""
    words = _normal(brand).split()
    compact = "".join(words)
    head = words[0] if len(words) > 1 and len(words[0]) >= 4 else ""
    cores = [compact[len(p) :] for p in BRAND_PREFIXES if compact.startswith(p) and len(compact) - len(p) >= MIN_BRAND_CORE]
    cores += [compact[: -len(s)] for s in BRAND_SUFFIXES if compact.endswith(s) and len(compact) - len(s) >= MIN_BRAND_CORE]
    forms = tuple(dict.fromkeys(f for f in (" ".join(words), compact, *cores) if f))
    # Every form holds the whole brand, or one of its cores, which the whole brand holds too.
    gates = tuple(dict.fromkeys(cores)) or (compact,)
    return compact, head, forms, gates


def _unaccented(text: str) -> str:
    """Domains are mostly written without accents: "Minhocário" names minhocario.com.br."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


_EARLY = frozenset({"empty", "image", "naked_url", "generic"})


@lru_cache(maxsize=8192)
def _text_facts(text: str, is_image: bool, keyword: Keyword | None) -> tuple[str, str, str, bool]:
    """What the class of an anchor text is without its link's brand: (class, normal text without
    accents, the same without spaces, the text is the keyword written differently). Cached apart
    from the brand, which differs per site while "Home", "Contact" or "Read more" repeat everywhere."""
    # A link whose visible content is only an image is an image link, whatever its alt says: the
    # alt stands in for its anchor text (and is shown as such), but nobody reads it on the page.
    if is_image:
        return "image", "", "", False
    stripped = text.strip()
    normal = _normal(stripped) if stripped else ""
    if not normal:
        return "empty", "", "", False
    if " " not in stripped and "." in stripped and _NAKED_URL.match(stripped):
        return "naked_url", "", "", False
    if normal in GENERIC_ANCHORS:
        return "generic", "", "", False
    # `normal` is single-spaced: its word count is its spaces plus one, so a headline-length
    # anchor is not split only to learn it is too long to be generic.
    if 0 < normal.count(" ") < MAX_GENERIC_WORDS and GENERIC_ANCHOR_WORDS.issuperset(normal.split()):
        return "generic", "", "", False
    compact = normal.replace(" ", "")
    kw_normal, kw_compact, kw_terms, kw_gates = _keyword_forms(keyword) if keyword is not None else _NO_KEYWORD
    if kw_normal and (normal == kw_normal or compact == kw_compact):
        return _with_plain("exact_match", normal, True)
    # Cheap gate: no keyword stem's first letters inside the anchor at all means neither exact
    # nor partial.
    if kw_gates and any(map(normal.__contains__, kw_gates)):
        assert keyword is not None
        anchor_terms = set(terms_of(normal, keyword.language))
        if anchor_terms == kw_terms:
            return _with_plain("exact_match", normal, False)  # the same words up to stop words and forms
        shared = kw_terms & anchor_terms
        # All terms (with extra words) or most of a multi-word keyword: still optimised toward it.
        if shared == kw_terms or (len(kw_terms) >= 2 and len(shared) / len(kw_terms) >= 0.5):
            return _with_plain("partial_match", normal, False)
    return _with_plain("descriptive", normal, False)


def _with_plain(cls: str, normal: str, keyword_itself: bool) -> tuple[str, str, str, bool]:
    plain = normal if normal.isascii() else _unaccented(normal)
    return cls, plain, plain.replace(" ", ""), keyword_itself


def classify_anchor_fast(text: str, is_image: bool, brand: str, keyword: Keyword | None) -> str:
    """classify_anchor with positional arguments and the keyword already made: the form the link
    scan calls per link."""
    cls, plain, compact, keyword_itself = _text_facts(text, is_image, keyword)
    if cls in _EARLY:
        return cls
    brand_compact, brand_head, forms, gates = _brand_forms(brand)
    if len(brand_compact) < 3:
        return cls
    if compact == brand_compact or compact == brand_head:
        return "branded"
    for gate in gates:
        if gate in compact:
            if compact in forms:
                return "branded"
            if not keyword_itself and plain.count(" ") < MAX_BRAND_PHRASE_WORDS:
                spaced = f" {plain} "
                if any(f" {form} " in spaced for form in forms):
                    return "branded"
            break
    return cls
