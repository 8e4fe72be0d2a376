"""Main-content (article body) detection on a parsed page.

The page is scored the way a reader skims it: paragraph-like blocks (``p``, ``pre``, text-bearing
``div``/``td``) vote for the containers that hold them, weighted by how much prose they carry and
how little of it is link text. Class and id names that are conventions across the web (``article``,
``entry-content``, ``comment``, ``sidebar``, ``share``…) nudge the vote. The best container, plus
siblings that carry prose of their own, is the main content; boilerplate blocks inside it (share
bars, related links, ads, captions, forms) are marked rather than removed, so the link analysis can
still see every link and tell where it stood.

Every walk over the page is done by lexbor (CSS selectors and ``.text()``), never by a Python loop
over all nodes: the whole detection costs about as much as the parse itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.analysis.content_cleanup import boilerplate_inside, visible_text
from bot.analysis.content_scoring import choose_main

MAIN_ATTR = "data-so-main"
DROP_ATTR = "data-so-drop"
# The article's own boxes (a note in prose): their links are the article's, their text is not
# the story's running text.
NOTE_ATTR = "data-so-note"

__all__ = ["DROP_ATTR", "MAIN_ATTR", "NOTE_ATTR", "MainContent", "find_main_content"]


@dataclass(frozen=True)
class MainContent:
    text: str
    nodes: tuple[LexborNode, ...]


_EMPTY = MainContent("", ())


def find_main_content(tree: LexborHTMLParser) -> MainContent:
    """Mark the article body of ``tree`` with MAIN_ATTR (boilerplate inside it with DROP_ATTR).

    Returns the body as plain text (blocks separated by newlines) and the marked nodes in document
    order. A page with no prose gives empty text and no nodes; nothing is ever removed from the tree.
    """
    body = tree.body
    if body is None:
        return _EMPTY
    mains = choose_main(body)
    if not mains:
        return _EMPTY
    for node in mains:
        node.attrs[MAIN_ATTR] = "1"
    drops, notes = boilerplate_inside(mains)
    for node in drops:
        node.attrs[DROP_ATTR] = "1"
    for node in notes:
        node.attrs[NOTE_ATTR] = "1"
    text = visible_text(mains, (DROP_ATTR, NOTE_ATTR))
    return MainContent(text, tuple(mains))
