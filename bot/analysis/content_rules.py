from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

# Class/id words that mark boilerplate on most sites.
NEGATIVE_RE = re.compile(
    r"comment|disqus|footer|footnote|sidebar|side-bar|widget|related|share|sharing|social|sponsor|"
    r"promo|advert|\bads?\b|ad-|-ad\b|banner|breadcrumb|\bnav|menu|masthead|popup|modal|newsletter|"
    r"subscribe|signup|author-?box|\btags?\b|pagination|pager|outbrain|taboola|recommend|trending|"
    r"most-?read|popular|combx|contact|shoutbox|skyscraper|toolbar|cookie",
    re.I,
)
POSITIVE_RE = re.compile(
    r"article|body|content|entry|main|page|post|text|blog|story|hentry|prose|copy", re.I
)
# Words strong enough to exclude a block found inside the main content.
DROP_RE = re.compile(
    r"comment|disqus|related|share|sharing|social|sponsor|promo|advert|\bads?\b|ad-slot|ad-container|"
    r"ad-wrapper|dfp|banner|breadcrumb|newsletter|subscribe|signup|author-?box|\btags?\b|pagination|"
    r"outbrain|taboola|recommend|trending|most-?read|popular|toolbar|caption|credit|gallery|"
    r"read-?more|more-?stories|see-?also|also-?read|rollover|tooltip|byline",
    re.I,
)

BLOCK_SELECTOR = "p, pre"
EXCLUDE_FROM_TEXT = "script, style, noscript, template, svg, button, select, textarea, [hidden]"
DROP_TAG_SELECTOR = "aside, nav, footer, form, figure, figcaption, iframe, header"
CONTAINER_SELECTOR = "div, section, ul, ol, table, dl"

TAG_BONUS = {
    "article": 10.0,
    "main": 5.0,
    "div": 5.0,
    "section": 3.0,
    "pre": 3.0,
    "td": 3.0,
    "blockquote": 3.0,
    "form": -3.0,
    "ol": -3.0,
    "ul": -3.0,
    "dl": -3.0,
    "li": -3.0,
    "aside": -20.0,
    "nav": -20.0,
    "footer": -20.0,
    "header": -5.0,
}


def _names(node: LexborNode) -> str:
    attrs = node.attributes
    return f"{attrs.get('class') or ''} {attrs.get('id') or ''}"


def class_weight(node: LexborNode) -> float:
    attrs = node.attributes
    if attrs.get("itemprop") == "articleBody":
        return 40.0
    names = _names(node)
    weight = 0.0
    if NEGATIVE_RE.search(names):
        weight -= 25.0
    if POSITIVE_RE.search(names):
        weight += 25.0
    if attrs.get("role") == "main":
        weight += 10.0
    return weight


def _link_len(node: LexborNode) -> int:
    return sum(len(a.text(strip=True)) for a in node.css("a"))


def choose_main(body: LexborNode) -> list[LexborNode]:
    scores: dict[LexborNode, float] = {}
    for block in body.css(BLOCK_SELECTOR):
        text = block.text(strip=True)
        length = len(text)
        if length < 25:
            continue
        score = 1.0 + text.count(",") + min(length / 100.0, 3.0)
        parent = block.parent
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0.0) + score
        grand = parent.parent
        if grand is not None and grand.tag != "html":
            scores[grand] = scores.get(grand, 0.0) + score / 2.0
            great = grand.parent
            if great is not None and great.tag != "html":
                scores[great] = scores.get(great, 0.0) + score / 3.0
    if not scores:
        return []
    final: dict[LexborNode, float] = {}
    for node, score in scores.items():
        score += TAG_BONUS.get(node.tag, 0.0) + class_weight(node)
        text_len = len(node.text(strip=True))
        density = _link_len(node) / text_len if text_len else 1.0
        final[node] = score * (1.0 - density)
    ranked = sorted(final.items(), key=lambda item: item[1], reverse=True)
    top, top_score = ranked[0]
    if top_score <= 0:
        return []
    return _with_siblings(top, top_score, final)


def _with_siblings(top: LexborNode, top_score: float, final: dict[LexborNode, float]) -> list[LexborNode]:
    parent = top.parent
    if parent is None:
        return [top]
    threshold = max(10.0, top_score * 0.2)
    chosen: list[LexborNode] = []
    for sibling in parent.iter():
        if sibling == top:
            chosen.append(sibling)
            continue
        score = final.get(sibling)
        if score is not None and score >= threshold:
            chosen.append(sibling)
            continue
        if sibling.tag == "p":
            text = sibling.text(strip=True)
            length = len(text)
            density = _link_len(sibling) / length if length else 1.0
            if (length > 80 and density < 0.25) or (0 < length <= 80 and density == 0 and ". " in text + " "):
                chosen.append(sibling)
    return chosen


def boilerplate_inside(mains: list[LexborNode]) -> list[LexborNode]:
    drops: list[LexborNode] = []
    for main in mains:
        main_len = len(main.text(strip=True)) or 1
        for node in main.css(DROP_TAG_SELECTOR):
            drops.append(node)
        for node in main.css("[class], [id]"):
            if DROP_RE.search(_names(node)) and not _is_prose(node, main_len):
                drops.append(node)
        for node in main.css(CONTAINER_SELECTOR):
            text_len = len(node.text(strip=True))
            if text_len == 0 or text_len > main_len * 0.5:
                continue
            if _link_len(node) / text_len > 0.5:
                drops.append(node)
    return drops


def _is_prose(node: LexborNode, main_len: int) -> bool:
    """A block holding much of the main text with few links is content whatever its class says."""
    text_len = len(node.text(strip=True))
    return text_len > main_len * 0.3 and _link_len(node) < text_len * 0.3


def visible_text(mains: list[LexborNode], drop_attr: str) -> str:
    parts: list[str] = []
    for main in mains:
        excluded = main.css(f"[{drop_attr}], {EXCLUDE_FROM_TEXT}")
        if not excluded:
            parts.append(main.text(separator=" "))
            continue
        skip = set(excluded)
        holders: set[LexborNode] = set()
        for node in excluded:
            up = node.parent
            while up is not None and up not in holders:
                holders.add(up)
                if up == main:
                    break
                up = up.parent
        _collect(main, skip, holders, parts)
    return "\n".join(p.strip() for p in parts if p.strip())


def _collect(node: LexborNode, skip: set[LexborNode], holders: set[LexborNode], out: list[str]) -> None:
    for child in node.iter(include_text=True):
        if child in skip:
            continue
        if child in holders:
            _collect(child, skip, holders, out)
        else:
            out.append(child.text(separator=" "))
