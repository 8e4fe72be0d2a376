"""Which region of the page a link sits in, and whether it is hidden.

Every link's ancestors are walked once with memoisation (each element is looked at once per page,
however many links share it), so the cost grows with the number of distinct ancestors of links,
not links × depth. An element's region comes from, in order: HTML5 element (nav, header,
footer, aside), ARIA role, then whole words in its class and id ("site-footer", "mainNav",
"widget_text"). "Outermost wins": a nav inside a footer is footer.

Main content (``data-so-main``, set by content.py) takes precedence: a link inside it is
``content`` unless it is inside a ``data-so-drop`` block (then the region inside that block, or
``other``) or a comments region. Regions that contain the main content (a layout wrapper called
"has-sidebar", or ``<body class="...">``) say nothing about links and are ignored. When the main
content is the whole body (no article found), regions decide and the rest counts as content.
"""

from __future__ import annotations

import re
from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.analysis.content import DROP_ATTR, MAIN_ATTR

REGION_KINDS = ("navigation", "header", "footer", "sidebar", "comments")
_MAIN = "MAIN"
_DROP = "DROP"
MAX_DEPTH = 4000

_TAG_REGION = {"nav": "navigation", "header": "header", "footer": "footer", "aside": "sidebar"}
_ROLE_REGION = {
    "navigation": "navigation",
    "menu": "navigation",
    "menubar": "navigation",
    "banner": "header",
    "contentinfo": "footer",
    "complementary": "sidebar",
}
_WORD_REGION = {
    "comment": "comments", "comments": "comments", "commentlist": "comments", "disqus": "comments",
    "footer": "footer", "colophon": "footer", "sitefooter": "footer",
    "sidebar": "sidebar", "widget": "sidebar", "widgets": "sidebar", "rail": "sidebar", "siderail": "sidebar",
    "header": "header", "masthead": "header", "topbar": "header", "siteheader": "header",
    "nav": "navigation", "navbar": "navigation", "navigation": "navigation", "menu": "navigation",
    "menubar": "navigation", "breadcrumb": "navigation", "breadcrumbs": "navigation", "topnav": "navigation",
    "subnav": "navigation", "mainnav": "navigation", "megamenu": "navigation", "pagination": "navigation",
}
# Within one element, the more specific region wins.
_PRIORITY = {"comments": 0, "footer": 1, "sidebar": 2, "header": 3, "navigation": 4}
# "entry-header", "card-footer", "comment-count": parts of an article or a widget, not page regions.
_LOCAL_PARTS = frozenset(
    {"entry", "post", "article", "card", "section", "single", "content", "meta", "panel", "modal", "table", "box",
     "count", "number", "link", "icon", "btn", "button", "bubble", "toggle", "form", "title"}
)
_NAME_HINTS = (
    "comment", "disqus", "footer", "colophon", "sidebar", "widget", "rail", "header", "masthead", "topbar",
    "nav", "menu", "breadcrumb", "pagination", "respond",
)
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_SPLIT = re.compile(r"[\s_\-:.]+")
_STOP_TAGS = frozenset({"body", "html"})


@lru_cache(maxsize=8192)
def region_of_names(names: str) -> str | None:
    """Region named by class/id text, e.g. "site-footer" → footer, "entry-footer" → None."""
    low = names.lower()
    if not any(k in low for k in _NAME_HINTS):
        return None  # most class names: no region word anywhere, skip the splitting
    best: str | None = None
    for token in names.split():
        parts = _SPLIT.split(_CAMEL.sub(r"\1 \2", token).lower())
        kinds = [_WORD_REGION[p] for p in parts if p in _WORD_REGION]
        if not kinds or any(p in _LOCAL_PARTS for p in parts):
            continue
        for kind in kinds:
            if best is None or _PRIORITY[kind] < _PRIORITY[best]:
                best = kind
    if best is None and "respond" in names.split():
        best = "comments"  # WordPress' comment form: id="respond"
    return best


@lru_cache(maxsize=8192)
def region_of(tag: str, cls: str | None, ident: str | None, role: str | None) -> str | None:
    """Region of an element from its tag, class, id and role (cached: pages repeat class names)."""
    names = f"{cls or ''} {ident or ''}"
    by_name = region_of_names(names) if names.strip() else None
    if by_name == "comments":
        return by_name
    kind = _TAG_REGION.get(tag)
    if kind:
        return kind
    role = (role or "").strip().lower()
    if role in _ROLE_REGION:
        return _ROLE_REGION[role]
    return by_name


# Elements whose class never makes a page region in practice (a "menu-item" <li> sits in a menu
# <ul>/<nav> that is classified anyway); skipping their attributes keeps the walk cheap.
_SKIP_TAGS = frozenset(
    {"a", "area", "li", "p", "span", "strong", "em", "b", "i", "u", "small", "td", "th", "tr", "tbody", "thead",
     "h1", "h2", "h3", "h4", "h5", "h6", "label", "font", "time", "picture", "figure", "figcaption", "button",
     "blockquote", "cite", "abbr", "sup", "sub", "code", "pre", "dt", "dd", "mark", "q", "s"}
)
_NO_MARKS: tuple[str, ...] = ()


class PathClassifier:
    """Placement and hidden state of elements, from their ancestors (memoised per element)."""

    def __init__(self, tree: LexborHTMLParser, main_nodes: tuple[LexborNode, ...], hidden: dict[int, str]) -> None:
        self._hidden = hidden
        self._memo: dict[int, tuple[tuple[str, ...], int | None]] = {}
        self._main_ancestors: set[int] = set()
        self._main_ids: set[int] = set()
        self._drop_ids: set[int] = set()
        self.weak_main = any(n.tag in _STOP_TAGS for n in main_nodes)
        marked = list(main_nodes)
        for n in tree.css(f"[{MAIN_ATTR}], [{DROP_ATTR}]"):
            if DROP_ATTR in n.attributes:
                self._drop_ids.add(n.mem_id)
            if MAIN_ATTR in n.attributes:
                marked.append(n)
        for node in marked:
            if node.tag in _STOP_TAGS:
                self.weak_main = True
                continue
            self._main_ids.add(node.mem_id)
            cur = node
            for _ in range(MAX_DEPTH):
                if cur is None:
                    break
                self._main_ancestors.add(cur.mem_id)
                cur = cur.parent
        if self.weak_main:
            self._main_ids.clear()
        self.has_main = bool(self._main_ids)

    def summary(self, node: LexborNode) -> tuple[tuple[str, ...], int | None]:
        """(marks from outermost to innermost, mem_id of the element that hides it or None)."""
        memo = self._memo
        hidden = self._hidden
        chain: list[tuple[LexborNode, int, str]] = []
        base: tuple[tuple[str, ...], int | None] = (_NO_MARKS, None)
        cur: LexborNode | None = node
        while cur is not None:
            mid = cur.mem_id
            hit = memo.get(mid)
            if hit is not None:
                base = hit
                break
            tag = cur.tag or ""
            if tag in _STOP_TAGS or len(chain) >= MAX_DEPTH:
                base = (_NO_MARKS, mid if mid in hidden else None)
                memo[mid] = base
                break
            chain.append((cur, mid, tag))
            cur = cur.parent
        main_ids, drop_ids, main_ancestors = self._main_ids, self._drop_ids, self._main_ancestors
        for n, mid, tag in reversed(chain):
            marks, hidden_by = base
            if hidden_by is None and mid in hidden:
                hidden_by = mid
            if mid in main_ids:
                marks = marks + (_MAIN,)
            elif tag not in _SKIP_TAGS and mid not in main_ancestors:
                attrs = n.attributes
                if attrs:
                    kind = region_of(tag, attrs.get("class"), attrs.get("id"), attrs.get("role"))
                else:
                    kind = _TAG_REGION.get(tag)
                if kind:
                    marks = marks + (kind,)
            if mid in drop_ids:
                marks = marks + (_DROP,)
            base = (marks, hidden_by)
            memo[mid] = base
        return base

    def placement(self, marks: tuple[str, ...]) -> str:
        if _MAIN in marks:
            inner = marks[marks.index(_MAIN) + 1 :]
            if "comments" in inner:
                return "comments"
            if _DROP in inner:
                regions = [m for m in inner if m in REGION_KINDS]
                return regions[0] if regions else "other"
            return "content"
        for m in marks:
            if m in REGION_KINDS:
                return m
        return "content" if self.weak_main else "other"


def hidden_elements(tree: LexborHTMLParser) -> tuple[dict[int, str], list[str]]:
    """(mem_id → reason for inline-hidden elements, texts of <style> blocks), in one query."""
    from bot.analysis.hiding import hiding_reason

    hidden: dict[int, str] = {}
    styles: list[str] = []
    for node in tree.css("style, [style], [hidden]"):
        tag = node.tag
        if tag == "style":
            styles.append(node.text(deep=True) or "")
            continue
        attrs = node.attributes
        if "hidden" in attrs and tag != "input":
            hidden[node.mem_id] = "hidden attribute"
            continue
        style = attrs.get("style")
        if style:
            reason = hiding_reason(style)
            if reason:
                hidden[node.mem_id] = f"inline style {reason}"
    return hidden, styles
