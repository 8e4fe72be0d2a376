"""Boilerplate inside the chosen article body, and the body's readable text.

Boilerplate is marked, never removed: the link analysis needs every link where the page put it.
The text skips marked blocks by walking down only through the few ancestors of skipped nodes and
letting lexbor produce the text of everything else in one call per subtree.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from bot.analysis.content_names import is_drop_name, names
from bot.analysis.content_scoring import link_chars

# Never article text, whatever their class: page furniture that may sit inside <article>.
DROP_TAGS = "aside, nav, footer, form, figure, figcaption, iframe, header"
# Not boilerplate (they hold no links worth judging) but not readable text either.
NOT_TEXT = "script, style, noscript, template, svg, button, select, textarea, [hidden]"
# Containers dropped when they are mostly links (related-story lists, tag clouds, share bars).
LINK_LISTS = "div, section, ul, ol, table, dl"


def boilerplate_inside(mains: list[LexborNode]) -> tuple[list[LexborNode], list[LexborNode]]:
    """(boilerplate blocks, blocks of the article that are not its running text) inside `mains`.

    The second kind are the article's own boxes, asides that are notes in prose: their links are
    the article's; their text is not the story's. (A figure stays boilerplate for its caption and
    credits; the link analysis takes the picture link of an article's figure as content.)
    """
    drops: list[LexborNode] = []
    notes: list[LexborNode] = []
    for main in mains:
        main_len = len(main.text(strip=True)) or 1
        for node in main.css(DROP_TAGS):
            tag = node.tag
            if tag == "aside" and _is_note(node):
                notes.append(node)
            else:
                drops.append(node)
        quoted = _quote_holders(main)
        for node in main.css("[class], [id]"):
            if (
                is_drop_name(names(node))
                and not _is_prose(node, main_len)
                and not (node.mem_id in quoted and _is_quote(node))
            ):
                drops.append(node)
        for node in main.css(LINK_LISTS):
            text_len = len(node.text(strip=True))
            if not 0 < text_len <= main_len * 0.5:
                continue
            anchors = node.css("a")
            if sum(len(a.text(strip=True)) for a in anchors) > text_len * 0.5 and (
                # One link alone between the article's paragraphs is a call to action of the
                # article (a deal's "get it at ..." line, a product link); a list of other stories
                # has several, or is cut into one-link pieces that follow each other. Links
                # that are all offers to buy are the article's shopping box.
                (node.css_first("a ~ a, li ~ li") is not None or _next_to_link_block(node))
                and not _is_shopping(node, anchors)
                and not _amid_the_story(node)
            ):
                drops.append(node)
    return drops, notes


# An offer to buy, as shopping boxes word their links: a price, a shop's call, a retailer named
# after "at"/"on"/"from", or the affiliate disclosure the box carries.
_OFFER_RE = re.compile(
    r"[$€£¥₹]\s?\d|\d\s?(?:[$€£¥₹]|eur|usd)\b|\b(?:buy|shop|order|get it|see it|view deal|check price|"
    r"available)\b",
    re.I,
)
# "Also at Walmart", "On Amazon": a shop's name is capitalised, so this one keeps case.
_RETAILER_RE = re.compile(r"^\W*(?:[Aa]lso |[Nn]ow )?(?:[Aa]t|[Oo]n|[Ff]rom) [A-Z]")
_DISCLOSURE_RE = re.compile(r"commission|affiliate", re.I)


def _is_shopping(node: LexborNode, anchors: list[LexborNode]) -> bool:
    """A box of offers in the article (`anchors` are its links): every link with text is an offer
    to buy, or the box (of a few links) discloses that its links earn a commission."""
    offers = 0
    for a in anchors:
        text = " ".join(a.text(separator=" ").split())
        if not text:
            continue
        if not (_OFFER_RE.search(text) or _RETAILER_RE.match(text)):
            offers = 0
            break
        offers += 1
    if offers:
        return True
    return len(anchors) <= 5 and _DISCLOSURE_RE.search(node.text(separator=" ")) is not None


def _is_note(aside: LexborNode) -> bool:
    """An aside in prose (an editor's note, a boxed explanation) rather than a list of links."""
    text = aside.text(strip=True)
    return len(text) >= 80 and ". " in text and link_chars(aside) < len(text) * 0.3


# A paragraph of the story, as opposed to a caption, a label or a credit line.
STORY_PARAGRAPH_CHARS = 80


def _amid_the_story(node: LexborNode) -> bool:
    """A list the story goes on after, introduced by a paragraph of its own ("you will need ...:")
    and followed by more of it, is part of the story: related-story lists come after it or stand
    apart under a heading."""
    if node.tag not in ("ul", "ol"):
        return False
    before = _element_sibling(node, False)
    if before is not None and before.tag not in ("p", "h2", "h3", "h4", "div"):
        return False
    intro = before
    # A short heading may stand between the introducing paragraph and the list.
    if intro is not None and len(intro.text(strip=True)) < STORY_PARAGRAPH_CHARS:
        intro = _element_sibling(intro, False)
    after = _element_sibling(node, True)
    return _is_story_paragraph(intro, colon=True) and _is_story_paragraph(after, colon=False)


def _is_story_paragraph(node: LexborNode | None, colon: bool) -> bool:
    if node is None or node.tag != "p":
        return False
    text = node.text(strip=True)
    if len(text) < STORY_PARAGRAPH_CHARS or link_chars(node) > len(text) * 0.3:
        return False
    return not colon or text.endswith(":")


def _element_sibling(node: LexborNode, forward: bool) -> LexborNode | None:
    sibling = node.next if forward else node.prev
    while sibling is not None and not sibling.is_element_node:
        sibling = sibling.next if forward else sibling.prev
    return sibling


def _next_to_link_block(node: LexborNode) -> bool:
    for forward in (False, True):
        sibling = _element_sibling(node, forward)
        if sibling is None or sibling.tag == "br":
            continue
        text_len = len(sibling.text(strip=True))
        if text_len and link_chars(sibling) > text_len * 0.5:
            return True
    return False


def _quote_holders(main: LexborNode) -> set[int]:
    """mem_ids of the blockquotes in `main` and of their ancestors up to it (few pages quote)."""
    holders: set[int] = set()
    stop = main.mem_id
    for quote in main.css("blockquote"):
        cur: LexborNode | None = quote
        while cur is not None and cur.mem_id not in holders:
            holders.add(cur.mem_id)
            if cur.mem_id == stop:
                break
            cur = cur.parent
    return holders


def _is_quote(node: LexborNode) -> bool:
    """Quoted matter the article embeds (a post, a statement) is the article's, whatever the
    embed's wrapper is called ("social-embed")."""
    if node.tag == "blockquote":
        return True
    quote = node.css_first("blockquote")
    if quote is None:
        return False
    return len(quote.text(strip=True)) >= 0.8 * len(node.text(strip=True))


def _is_prose(node: LexborNode, main_len: int) -> bool:
    """A block holding much of the body's text with few links is content whatever its class says."""
    text_len = len(node.text(strip=True))
    return text_len > main_len * 0.3 and link_chars(node) < text_len * 0.3


def visible_text(mains: list[LexborNode], skip_attrs: tuple[str, ...]) -> str:
    parts: list[str] = []
    marked = ", ".join(f"[{attr}]" for attr in skip_attrs)
    for main in mains:
        skipped = main.css(f"{marked}, {NOT_TEXT}")
        if not skipped:
            parts.append(main.text(separator=" "))
            continue
        skip = set(skipped)
        holders: set[LexborNode] = set()
        for node in skipped:
            up = node.parent
            while up is not None and up not in holders:
                holders.add(up)
                if up.mem_id == main.mem_id:
                    break
                up = up.parent
        _collect(main, skip, holders, parts)
    return "\n".join(stripped for part in parts if (stripped := part.strip()))


def _collect(node: LexborNode, skip: set[LexborNode], holders: set[LexborNode], out: list[str]) -> None:
    """Text of `node`'s children in document order: a holder is entered, a skipped node left out,
    any other child taken whole. An explicit stack of child iterators, not recursion: a page can
    nest skipped nodes thousands of levels deep inside its article."""
    stack = [node.iter(include_text=True)]
    while stack:
        for child in stack[-1]:
            if child in skip:
                continue
            if child in holders:
                stack.append(child.iter(include_text=True))
                break
            out.append(child.text(separator=" "))
        else:
            stack.pop()
