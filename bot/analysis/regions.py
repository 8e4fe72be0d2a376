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
Two refinements are made by the link scan (links.py) on top of this: furniture that sits in plain
article paragraphs (content_links.py) is ``other``, and the picture link of one of the article's
figures is ``content`` although the figure, for its caption, is a drop block.
"""

from __future__ import annotations

import re
from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.analysis.content import DROP_ATTR, MAIN_ATTR

# Elements content.py marked as main content or as boilerplate inside it.
MARKED = f"[{MAIN_ATTR}], [{DROP_ATTR}]"
REGION_KINDS = ("navigation", "header", "footer", "sidebar", "comments")
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
_HINT_RE = re.compile("|".join(_NAME_HINTS))
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_SPLIT = re.compile(r"[\s_\-:.]+")
_STOP_TAGS = frozenset({"body", "html"})


@lru_cache(maxsize=8192)
def region_of_names(names: str) -> str | None:
    """Region named by class/id text, e.g. "site-footer" → footer, "entry-footer" → None."""
    if _HINT_RE.search(names.lower()) is None:
        return None  # most class names: no region word anywhere, skip the splitting
    best: str | None = None
    tokens = names.split()
    for token in tokens:
        kind = _token_region(token)
        if kind is not None and (best is None or _PRIORITY[kind] < _PRIORITY[best]):
            best = kind
    if best is None and "respond" in tokens:
        best = "comments"  # WordPress' comment form: id="respond"
    return best


@lru_cache(maxsize=8192)
def _token_region(token: str) -> str | None:
    """The most specific region one class/id token names ("site-footer" → footer), None for a part
    of an article or widget ("entry-footer"). Cached apart from the whole class string: the same
    tokens ("menu-item", "widget") come back in many different class strings."""
    parts = _SPLIT.split(_CAMEL.sub(r"\1 \2", token).lower())
    kinds = [_WORD_REGION[p] for p in parts if p in _WORD_REGION]
    if not kinds or any(p in _LOCAL_PARTS for p in parts):
        return None
    return min(kinds, key=_PRIORITY.__getitem__)


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


def _region_of_element(tag: str, attrs: dict[str, str | None]) -> str | None:
    """region_of for an element's attributes: the same answer, with a cache keyed by the class/id
    text alone (a one-string key is far cheaper to look up than four arguments)."""
    cls = attrs.get("class")
    ident = attrs.get("id")
    if cls:
        by_name = region_of_names(f"{cls} {ident}" if ident else cls)
    else:
        by_name = region_of_names(ident) if ident else None
    if by_name == "comments":
        return by_name
    kind = _TAG_REGION.get(tag)
    if kind:
        return kind
    role = attrs.get("role")
    if role:
        role = role.strip().lower()
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


# A link's place, built up from <body> down: (placement, mem_id of the outermost hidden element or
# None, in main, outermost region outside main, outermost region inside main, comments inside main,
# a drop block inside main). Elements that change nothing share their parent's tuple.
_State = tuple[str, "int | None", bool, "str | None", "str | None", bool, bool]


class PathClassifier:
    """Placement and hidden state of links, from their ancestors (each element looked at once).

    An element's state is its parent's state updated by the element itself, so a page costs one
    step per distinct ancestor of its links, and elements that mark nothing reuse their parent's
    state object unchanged.
    """

    def __init__(
        self,
        tree: LexborHTMLParser,
        main_nodes: tuple[LexborNode, ...],
        hidden: dict[int, str],
        marks: list[tuple[LexborNode, dict[str, str | None]]] | None = None,
    ) -> None:
        """`marks`: the (node, attributes) of every element carrying MAIN_ATTR or DROP_ATTR, when
        the caller found them already (the link scan does, in its own query); else queried here."""
        self._hidden = hidden
        self.memo: dict[int, _State] = {}
        self._main_ancestors: set[int] = set()
        self._main_ids: set[int] = set()
        self._drop_ids: set[int] = set()
        self.weak_main = any(n.tag in _STOP_TAGS for n in main_nodes)
        marked = list(main_nodes)
        if marks is None:
            marks = [(n, n.attributes) for n in tree.css(MARKED)]
        for n, attrs in marks:
            if DROP_ATTR in attrs:
                self._drop_ids.add(n.mem_id)
            if MAIN_ATTR in attrs:
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
        if self.weak_main or not self._main_ids:
            # No article found (or only <body>): regions decide and the rest counts as content,
            # as the placement evidence then says.
            self.weak_main = True
            self._main_ids.clear()
        self.has_main = bool(self._main_ids)
        self._outside = "content" if self.weak_main else "other"
        self.root: _State = (self._outside, None, False, None, None, False, False)
        # Elements whose step needs more than a region look-up (main content and its ancestors
        # are never regions, whatever their names).
        self.special = set(hidden) | self._main_ids | self._drop_ids | self._main_ancestors

    def place(self, node: LexborNode, tag: str) -> tuple[str, int | None]:
        """(placement, mem_id of the outermost element that hides the link or None) of a link."""
        parent = node.parent
        if parent is None:
            state = self.root
        else:
            state = self.memo.get(parent.mem_id)
            if state is None:
                state = self.state_of(parent)
        mid = node.mem_id
        if mid in self.special:  # the link itself is main, a drop block or hidden: rare
            state = self.step(state, mid, tag, node)
        return state[0], state[1]

    def state_of(self, node: LexborNode, max_depth: int = MAX_DEPTH) -> _State:
        """`max_depth`: elements walked up before giving up (the link scan, which looked at the
        link's parent itself, asks for the grandparent's state with one less)."""
        memo = self.memo
        special = self.special
        chain: list[tuple[LexborNode, int, str]] = []
        state: _State | None = None
        cur: LexborNode | None = node
        while cur is not None:
            mid = cur.mem_id
            state = memo.get(mid)
            if state is not None:
                break
            tag = cur.tag or ""
            if tag in _STOP_TAGS or len(chain) >= max_depth:
                state = self.root if mid not in self._hidden else (self._outside, mid, False, None, None, False, False)
                memo[mid] = state
                break
            chain.append((cur, mid, tag))
            cur = cur.parent
        if state is None:
            state = self.root
        # Most elements mark nothing: they take their parent's state without a method call.
        for n, mid, tag in reversed(chain):
            if mid in special:
                state = self.step(state, mid, tag, n)
            elif tag not in _SKIP_TAGS:
                # _region_of_element, inlined (it runs for every distinct ancestor of a link).
                attrs = n.attributes
                cls = attrs.get("class")
                ident = attrs.get("id")
                if cls:
                    kind = region_of_names(f"{cls} {ident}" if ident else cls)
                else:
                    kind = region_of_names(ident) if ident else None
                if kind != "comments":
                    by_tag = _TAG_REGION.get(tag)
                    if by_tag:
                        kind = by_tag
                    else:
                        role = attrs.get("role")
                        if role:
                            kind = _ROLE_REGION.get(role.strip().lower()) or kind
                if kind:
                    state = self.step(state, mid, tag, n, kind)
            memo[mid] = state
        return state

    def step(self, state: _State, mid: int, tag: str, node: LexborNode, kind: str | None = None) -> _State:
        """The state of `node` (mem_id `mid`, tag `tag`, region `kind` when already known) inside an
        element whose state is `state`."""
        hid = mid in self._hidden and state[1] is None
        if mid in self._main_ids:
            if state[2]:
                kind = None  # a second main mark inside main changes nothing
            else:
                state = ("content", state[1], True, state[3], None, False, False)
                kind = None
        elif kind is not None or tag in _SKIP_TAGS or mid in self._main_ancestors:
            pass
        else:
            kind = _region_of_element(tag, node.attributes)
        drop = mid in self._drop_ids and state[2] and not state[6]
        if not (hid or kind or drop):
            return state
        _, hidden_by, in_main, outer, inner, comments, dropped = state
        if hid:
            hidden_by = mid
        if kind:
            if in_main:
                inner = inner or kind
                comments = comments or kind == "comments"
            else:
                outer = outer or kind
        if drop:
            dropped = True
        if in_main:
            where = "comments" if comments else (inner or "other") if dropped else "content"
        else:
            where = outer or self._outside
        return (where, hidden_by, in_main, outer, inner, comments, dropped)

