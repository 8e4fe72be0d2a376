"""Main-content detection (placeholder until the tuned extractor lands; same contract)."""

from __future__ import annotations

from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

MAIN_ATTR = "data-so-main"
DROP_ATTR = "data-so-drop"


@dataclass(frozen=True)
class MainContent:
    text: str
    nodes: tuple[LexborNode, ...]


def find_main_content(tree: LexborHTMLParser) -> MainContent:
    node = tree.css_first("article") or tree.body
    if node is None:
        return MainContent("", ())
    node.attrs[MAIN_ATTR] = "1"
    return MainContent(node.text(separator=" ", strip=True), (node,))
