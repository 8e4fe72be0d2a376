"""Visually hidden elements: inline styles, the ``hidden`` attribute, and simple ``<style>`` rules.

A hidden link is a classic paid-link footprint. Only what the page itself states is checked (no
external stylesheets, no layout engine): ``display:none``, ``visibility:hidden``, ``font-size:0``,
``opacity:0`` and off-screen positioning (a large negative left/top with absolute/fixed position,
or a large negative text-indent). Rules inside ``@media``/``@supports`` blocks are ignored because
they usually hide things only on some screens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

MAX_STYLE_RULES = 500
MAX_STYLE_CHARS = 400_000

# CSS whitespace, digits and case are ASCII only (a no-break space is no CSS whitespace).
_DISPLAY_NONE = re.compile(r"(?:^|;|\s)display\s*:\s*none\b", re.ASCII)
_VISIBILITY = re.compile(r"(?:^|;|\s)visibility\s*:\s*(?:hidden|collapse)\b", re.ASCII)
_FONT_ZERO = re.compile(r"(?:^|;|\s)font-size\s*:\s*0(?:\.0+)?(?:px|em|rem|pt|%)?\s*(?:!important)?\s*(?:;|$)", re.ASCII)
_OPACITY_ZERO = re.compile(r"(?:^|;|\s)opacity\s*:\s*0(?:\.0+)?\s*(?:!important)?\s*(?:;|$)", re.ASCII)
_POSITIONED = re.compile(r"(?:^|;|\s)position\s*:\s*(?:absolute|fixed)", re.ASCII)
_OFFSCREEN = re.compile(r"(?:^|;|\s)(?:left|top|right|margin-left|margin-top)\s*:\s*-\s*(\d{3,})(?:\.\d+)?\s*(?:px|em|rem|pt)", re.ASCII)
_TEXT_INDENT = re.compile(r"(?:^|;|\s)text-indent\s*:\s*-\s*(\d{3,})(?:\.\d+)?\s*(?:px|em|rem|pt)", re.ASCII)
# A selector we can hand to lexbor: no pseudo-classes/elements (:hover menus, ::before), no @ rules.
_UNSAFE_SELECTOR = re.compile(r"[:@\\{}]|^\s*$")


@lru_cache(maxsize=4096)
def hiding_reason(style: str) -> str | None:
    """Why a CSS declaration block hides its element, or None (cached: pages repeat inline styles)."""
    s = style.lower()
    if "none" in s and _DISPLAY_NONE.search(s):
        return "display:none"
    if "hidden" in s or "collapse" in s:
        if _VISIBILITY.search(s):
            return "visibility:hidden"
    if "font-size" in s and _FONT_ZERO.search(s):
        return "font-size:0"
    if "opacity" in s and _OPACITY_ZERO.search(s):
        return "opacity:0"
    if "-" in s:
        m = _TEXT_INDENT.search(s)
        if m and int(m.group(1)) >= 500:
            return "text-indent off-screen"
        if _POSITIONED.search(s):
            m = _OFFSCREEN.search(s)
            if m and int(m.group(1)) >= 500:
                return "positioned off-screen"
    return None


@dataclass(frozen=True)
class HidingRule:
    selector: str
    reason: str


# Where a hiding declaration may be: a colon and a hiding value, in any case, with or without a
# space before the colon ("DISPLAY : NONE"). Anchored on ":" with a one-letter look-behind for
# the last letter of the property (displa*y*, visibilit*y*, opacit*y*: none, hidden, collapse or
# 0; font-siz*e*: 0; lef*t*, righ*t*, to*p*, text-inden*t*: a large negative offset), which skips
# the common "border:none", "margin:0" and "overflow:hidden" in the C pass: big framework
# stylesheets cost one fast scan. The property is then checked on a 12-character window, and
# each candidate rule body is confirmed with `hiding_reason`. Every hiding value starts with n, h,
# c, 0 or "-": the look-ahead on that first rejects about two colons in three before any of the six
# look-behinds is tried (a third less time on a big stylesheet).
#
# The scan runs on the stylesheet's UTF-8 bytes: one non-ASCII character (an arrow in a
# `content:` value, a font's name) makes a Python string two bytes a character, and every regex
# step, find and count slower; in bytes they stay one byte and memchr-fast. CSS itself is ASCII
# where it matters: its property names, case folding and whitespace are ASCII only, which bytes
# patterns match exactly (a no-break space before the colon is no CSS whitespace).
_HIDE_HINT = re.compile(
    rb":(?=\s*[nhc0-])"
    rb"(?:(?:(?<=[yY]:)|(?<=[yY]\s:))\s*(?:none|hidden|collapse|0(?![.\d]*[1-9]))"
    rb"|(?:(?<=[eE]:)|(?<=[eE]\s:))\s*0(?![.\d]*[1-9])"
    rb"|(?:(?<=[tTpP]:)|(?<=[tTpP]\s:))\s*-\s*\d{3})",
    re.IGNORECASE,
)
_HIDE_PROPS = (b"display", b"visibility", b"font-size", b"opacity", b"text-indent", b"left", b"top", b"right")


def _hiding_blocks(css: bytes) -> list[tuple[bytes, bytes]]:
    """(selector list, declarations) of top-level rules that contain a hiding hint.

    Only the hits are visited (found by one C-level regex pass); brace depth between hits is
    counted with bytes.count, so the whole thing stays linear in the CSS size.
    """
    out: list[tuple[bytes, bytes]] = []
    depth = 0
    counted_to = 0
    for m in _HIDE_HINT.finditer(css):
        pos = m.start()
        if pos < counted_to:
            continue
        if not css[max(0, pos - 12) : pos].rstrip().lower().endswith(_HIDE_PROPS):
            continue
        open_at = css.rfind(b"{", 0, pos)
        close_at = css.find(b"}", pos)
        if open_at < counted_to or close_at == -1:
            continue  # malformed, or a declaration outside any rule
        depth = max(0, depth + css.count(b"{", counted_to, open_at) - css.count(b"}", counted_to, open_at))
        start = max(css.rfind(b"}", 0, open_at), css.rfind(b"{", 0, open_at), css.rfind(b";", 0, open_at)) + 1
        if depth == 0:
            out.append((css[start:open_at].strip(), css[open_at + 1 : close_at]))
        # The rule's own braces cancel out: depth after its "}" is what it was before its "{".
        counted_to = close_at + 1
    return out


def _strip_comments(css: bytes) -> bytes:
    """CSS without its /* comments */ (an unterminated one is kept): a find() per comment, where a
    regex would step through every byte inside them. A one-byte find is a memchr, and "/" is
    everywhere in CSS (URLs) where "*" is rare: comments are found by their star."""
    parts: list[bytes] = []
    pos = 0
    while True:
        star = css.find(b"*", pos + 1)
        while star != -1 and css[star - 1] != 0x2F:  # "/"
            star = css.find(b"*", star + 1)
        if star == -1:
            break
        start = star - 1
        end = css.find(b"*/", start + 2)
        if end == -1:
            break
        parts.append(css[pos:start])
        pos = end + 2
    if not parts:
        return css
    parts.append(css[pos:])
    return b" ".join(parts)


# A site's pages carry the same <style> blocks, framework stylesheets of hundreds of kilobytes
# among them: what each block hides is read once per process. A block is looked up by its length
# and its ends (hashing the whole text would cost a pass over it on every page) and confirmed
# equal in full. At most CACHED_STYLES blocks are kept, and CACHED_STYLE_CHARS characters (with
# the small blocks, up to CACHED_STYLES × SMALL_STYLE_CHARS more).
CACHED_STYLE_CHARS = 4_000_000
CACHED_STYLES = 128
SMALL_STYLE_CHARS = 20_000
_STYLE_KEY_CHARS = 64
_style_cache: dict[tuple[int, str, str], tuple[str, tuple[tuple[str, str], ...]]] = {}


def _decoded(data: bytes) -> str:
    return data.decode("utf-8", "surrogatepass")


def _hiding_selector_lists(text: str) -> tuple[tuple[str, str], ...]:
    """(selector list, reason) of the top-level rules of one <style> text that hide elements."""
    key = (len(text), text[:_STYLE_KEY_CHARS], text[-_STYLE_KEY_CHARS:])
    cached = _style_cache.get(key)
    if cached is not None and cached[0] == text:
        return cached[1]
    css = _strip_comments(text.encode("utf-8", "surrogatepass"))
    found = tuple(
        (_decoded(selector_list), reason)
        for selector_list, body in _hiding_blocks(css)
        if (reason := hiding_reason(_decoded(body))) is not None
    )
    if len(text) <= CACHED_STYLE_CHARS // 4:
        # Small blocks are bounded by their count; the characters kept are added up only when a
        # big one comes (rarely: one framework stylesheet a site).
        if len(_style_cache) >= CACHED_STYLES or (
            len(text) > SMALL_STYLE_CHARS
            and sum(len(t) for t, _ in _style_cache.values()) + len(text) > CACHED_STYLE_CHARS
        ):
            _style_cache.clear()
        _style_cache[key] = (text, found)
    return found


def hiding_rules(style_texts: list[str]) -> tuple[list[HidingRule], bool]:
    """Selectors from ``<style>`` blocks whose declarations hide elements; (rules, capped)."""
    out: list[HidingRule] = []
    seen: set[str] = set()
    budget = MAX_STYLE_CHARS
    capped = False
    for text in style_texts:
        if budget <= 0:
            capped = True
            break
        if len(text) > budget:
            text = text[:budget]
            capped = True
        budget -= len(text)
        for selector_list, reason in _hiding_selector_lists(text):
            for sel in selector_list.split(","):
                sel = " ".join(sel.split())
                if _UNSAFE_SELECTOR.search(sel) or sel in seen or len(sel) > 200:
                    continue
                seen.add(sel)
                out.append(HidingRule(sel, reason))
                if len(out) >= MAX_STYLE_RULES:
                    return out, True
    return out, capped


def _valid(selector: str) -> bool:
    # A fresh tiny document per check: analyze() runs in worker threads, and a shared lexbor
    # document must not be queried from two threads at once. Only reached on the rare fallback.
    try:
        LexborHTMLParser("<p></p>").css(selector)
    except SelectolaxError:
        return False
    return True


# From this many rules on (a framework stylesheet's), the page's class and id names are read
# first and rules naming one the page lacks are left out: lexbor matches every selector of the
# list against every element, and most framework rules name classes a page never uses.
PREFILTER_MIN_RULES = 60
# The class and id names a selector requires ("#nav .menu > li.hidden" → nav, menu, hidden).
_REQUIRED_NAMES = re.compile(r"([.#])([^\s.#>+~\[\]()*,=\"':|^$]+)")


def _names_on_page(tree: LexborHTMLParser) -> tuple[set[str], set[str]]:
    """Lower-cased class and id names of the page's elements (lower-cased, so that quirks-mode
    pages, where lexbor compares them case-blind, are covered too)."""
    classes: set[str] = set()
    for node in tree.css("[class]"):
        value = node.attrs.get("class")
        if value:
            classes.update(value.lower().split())
    ids = {value.lower() for node in tree.css("[id]") if (value := node.attrs.get("id"))}
    return classes, ids


def _may_match(selector: str, classes: set[str], ids: set[str]) -> bool:
    if "[" in selector:
        return True  # attribute values may hold dots and hashes: not read apart here
    for kind, name in _REQUIRED_NAMES.findall(selector):
        if name.lower() not in (classes if kind == "." else ids):
            return False
    return True


def apply_rules(tree: LexborHTMLParser, rules: list[HidingRule]) -> dict[int, str]:
    """mem_id → reason for every element a rule hides, in one combined lexbor query when possible."""
    if not rules:
        return {}
    if len(rules) >= PREFILTER_MIN_RULES:
        classes, ids = _names_on_page(tree)
        rules = [r for r in rules if _may_match(r.selector, classes, ids)]
        if not rules:
            return {}
    try:
        nodes = tree.css(", ".join(r.selector for r in rules))
    except SelectolaxError:
        # One selector lexbor cannot parse spoils the list: keep the ones it accepts and query again.
        rules = [r for r in rules if _valid(r.selector)]
        if not rules:
            return {}
        nodes = tree.css(", ".join(r.selector for r in rules))
    # The combined query does not say which rule matched; `explain_rule` finds it for the few
    # elements whose evidence is shown.
    return {n.mem_id: "<style> rule" for n in nodes}


def explain_rule(node: LexborNode, rules: list[HidingRule]) -> str:
    for r in rules:
        try:
            if node.css_matches(r.selector):
                return f"{r.reason} via <style> rule '{r.selector}'"
        except SelectolaxError:
            continue
    return "hidden by a <style> rule"


# Elements that hide themselves or hold page CSS: queried with the links in one walk of the page.
HIDING_QUERY = "style, [style], [hidden]"


def note_hiding(node: LexborNode, tag: str, attrs: dict[str, str | None], hidden: dict[int, str], styles: list[str]) -> None:
    """Record what one element of HIDING_QUERY says: its <style> text, or why it hides itself."""
    if tag == "style":
        styles.append(node.text(deep=True) or "")
    elif "hidden" in attrs and tag != "input":
        hidden[node.mem_id] = "hidden attribute"
    else:
        style = attrs.get("style")
        if style:
            reason = hiding_reason(style)
            if reason:
                hidden[node.mem_id] = f"inline style {reason}"
