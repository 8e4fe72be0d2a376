"""Class/id naming conventions that tell content from boilerplate across the web.

Only words that many unrelated sites and CMSs use (WordPress, Drupal, Blogger, news CMSs, schema.org
microdata) belong here; nothing keyed to one site.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

# A container named like this is unlikely to be the article (it may still sit inside one).
NEGATIVE_RE = re.compile(
    r"comment|disqus|footer|footnote|sidebar|side-bar|widget|related|share|sharing|social|sponsor|"
    r"promo|advert|\bads?\b|\bad-|-ad\b|banner|breadcrumb|\bnav|menu|masthead|popup|modal|newsletter|"
    r"subscribe|signup|author-?(?:box|bio|info|card)|\btags?\b|pagination|pager|outbrain|taboola|recommend|trending|"
    r"most-?read|popular|combx|contact|shoutbox|skyscraper|toolbar|cookie|copyright",
    re.I,
)
# A container named like this usually holds the article text.
POSITIVE_RE = re.compile(
    r"article|body|content|entry|main|page|post|text|blog|story|hentry|prose|copy", re.I
)
# Inside the chosen body, a block named like this is boilerplate: drop it from the text.
DROP_RE = re.compile(
    r"comment|disqus|related|share|sharing|social|sponsor|promo|advert|\bads?\b|ad-slot|ad-container|"
    r"ad-wrapper|dfp|banner|breadcrumb|newsletter|subscribe|signup|author-?(?:box|bio|info|card)|\btags?\b|pagination|"
    r"outbrain|taboola|recommend|trending|most-?read|popular|toolbar|caption|credit|gallery|"
    r"read-?more|more-?stories|see-?also|also-?read|rollover|tooltip|byline|next-?prev|prev-?next|"
    r"post-?navigation|adjacent-?post|disclos|disclaim",
    re.I,
)


# The same patterns for lower-cased ASCII text: case-insensitive matching makes the regex engine
# fold every character against every alternative, about four times slower. Names with other
# characters keep the case-insensitive patterns (Unicode case folding has its own rules).
_NEGATIVE_LOWER = re.compile(NEGATIVE_RE.pattern)
_POSITIVE_LOWER = re.compile(POSITIVE_RE.pattern)
_DROP_LOWER = re.compile(DROP_RE.pattern)


def _search(label: str, folded: re.Pattern[str], anycase: re.Pattern[str]) -> bool:
    if label.isascii():
        return folded.search(label.lower()) is not None
    return anycase.search(label) is not None


# Class strings repeat within a page and across pages of a site; regex scans are the costly part.
_CACHE_LIMIT = 8192
_drop_cache: dict[str, bool] = {}
_weight_cache: dict[str, float] = {}


def is_drop_name(label: str) -> bool:
    hit = _drop_cache.get(label)
    if hit is None:
        if len(_drop_cache) >= _CACHE_LIMIT:
            _drop_cache.clear()
        hit = _drop_cache[label] = _search(label, _DROP_LOWER, DROP_RE)
    return hit


def _name_weight(label: str) -> float:
    weight = _weight_cache.get(label)
    if weight is None:
        if len(_weight_cache) >= _CACHE_LIMIT:
            _weight_cache.clear()
        weight = 0.0
        if _search(label, _NEGATIVE_LOWER, NEGATIVE_RE):
            weight -= 25.0
        if _search(label, _POSITIVE_LOWER, POSITIVE_RE):
            weight += 25.0
        _weight_cache[label] = weight
    return weight


def names(node: LexborNode) -> str:
    attrs = node.attributes
    return f"{attrs.get('class') or ''} {attrs.get('id') or ''}"


def class_weight(node: LexborNode) -> float:
    """Readability-style nudge from microdata, ARIA role and class/id words."""
    attrs = node.attributes
    if attrs.get("itemprop") == "articleBody":
        return 40.0
    weight = _name_weight(names(node))
    if attrs.get("role") == "main":
        weight += 10.0
    return weight
