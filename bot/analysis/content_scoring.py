"""Choosing the container(s) that hold the article body.

Paragraph-like blocks vote for their ancestors (parent fully, then halving, then a third), as
Arc90's readability does; a container's votes are then scaled down by its link density and nudged
by naming conventions. Only the nodes that received votes are ever examined, so the cost follows the
number of paragraphs, not the size of the page.

Nodes are compared by ``mem_id``, never with ``==``: LexborNode equality of two different nodes
compares their serialised HTML and costs hundreds of microseconds. Sets and dicts are safe (the
hash is the node's address, so equality is only asked of the same node).
"""

from __future__ import annotations

import re
from operator import itemgetter

from selectolax.lexbor import LexborNode

from bot.analysis.content_names import class_weight

# Elements whose own text is a paragraph.
PARAGRAPHS = "p, pre"
_PARAGRAPHS_AND_BREAKS = PARAGRAPHS + ", br"
# Pages with less paragraph text than this keep their prose in bare <div>s: look there too.
FEW_PARAGRAPH_CHARS = 1000
# A <div> holding no block element is a paragraph in all but name.
LEAF_BLOCKS = "div:not(:has(div, p, ul, ol, table, section, article, blockquote, pre, form, dl, aside, nav))"
MIN_BLOCK_CHARS = 25
# Near-best rivals (within ALT_RATIO of the best) that make the best's ancestor the article instead.
ALT_RATIO = 0.75
ALT_COUNT = 5
ALT_MIN = 1
ALT_MAX_CLIMB = 3

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
# Ancestors beyond the third one get no votes: a page's <body> must not win by sheer size.
_ANCESTOR_SHARES = (1.0, 0.5, 1.0 / 3.0)


# A long reader comment can outweigh a short article; a candidate inside the comments keeps only
# this share of its score.
COMMENT_SHARE = 0.2
_COMMENTS_RE = re.compile(r"(?:^|[\s_-])comments?(?:$|[\s_-])|disqus", re.I)
_COMMENT_CLIMB = 8


def _inside_comments(node: LexborNode, named: dict[int, bool]) -> bool:
    """Whether an ancestor of `node` (a few levels up) is named a comments region; `named` keeps
    each ancestor's answer, since the candidates of a page share most of their ancestors."""
    cur = node.parent
    for _ in range(_COMMENT_CLIMB):
        if cur is None:
            return False
        mid = cur.mem_id
        hit = named.get(mid)
        if hit is None:
            if cur.tag in ("body", "html"):
                return False
            attrs = cur.attributes
            label = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
            hit = named[mid] = ("omment" in label or "isqus" in label) and _COMMENTS_RE.search(label) is not None
        if hit:
            return True
        cur = cur.parent
    return False


def link_chars(node: LexborNode) -> int:
    return sum(len(a.text(strip=True)) for a in node.css("a"))


def _block_score(text: str) -> float:
    return 1.0 + text.count(",") + min(len(text) / 100.0, 3.0)


def _vote(votes: dict[LexborNode, float], first: LexborNode | None, score: float) -> None:
    node = first
    for share in _ANCESTOR_SHARES:
        if node is None or node.tag in ("html", "-document"):
            return
        votes[node] = votes.get(node, 0.0) + score * share
        node = node.parent


def _votes(body: LexborNode) -> dict[LexborNode, float]:
    votes: dict[LexborNode, float] = {}
    prose_chars = 0
    # Paragraphs and <br>s in one query (one walk of the page instead of two).
    brs: list[LexborNode] = []
    get = votes.get
    for block in body.css(_PARAGRAPHS_AND_BREAKS):
        if block.tag == "br":
            brs.append(block)
            continue
        text = block.text(strip=True)
        length = len(text)
        if length >= MIN_BLOCK_CHARS:
            prose_chars += length
            # _vote and _block_score inlined: this runs for every paragraph of the page.
            score = 1.0 + text.count(",") + min(length / 100.0, 3.0)
            node = block.parent
            for share in _ANCESTOR_SHARES:
                if node is None or node.tag in ("html", "-document"):
                    break
                votes[node] = get(node, 0.0) + score * share
                node = node.parent
    # Text written straight into a container between <br>s: one vote per stretch of text.
    holders = {br.parent for br in brs}
    for holder in holders:
        if holder is None or holder.tag in ("p", "pre", "li", "td", "span", "a", "b", "em", "strong"):
            continue
        text = holder.text(deep=False, strip=True)
        if len(text) >= MIN_BLOCK_CHARS:
            stretches = max(1, len(text) // 300)
            _vote(votes, holder, stretches * _block_score(text[:300]) + text.count(","))
    if prose_chars < FEW_PARAGRAPH_CHARS:
        for block in body.css(LEAF_BLOCKS):
            text = block.text(strip=True)
            if len(text) >= MIN_BLOCK_CHARS:
                _vote(votes, block.parent, _block_score(text))
    return votes


class _Scorer:
    """Final scores, computed only for the nodes that can still beat the best one found."""

    def __init__(self, votes: dict[LexborNode, float]) -> None:
        self.raw = {node: score + TAG_BONUS.get(node.tag, 0.0) + class_weight(node) for node, score in votes.items()}
        # Best raw score first, sorted once for best() and near() (a stable sort: ties keep the
        # order the votes came in).
        self._by_raw = sorted(self.raw.items(), key=itemgetter(1), reverse=True)
        self._final: dict[LexborNode, float] = {}
        self._comment_names: dict[int, bool] = {}

    def final(self, node: LexborNode) -> float | None:
        raw = self.raw.get(node)
        if raw is None:
            return None
        score = self._final.get(node)
        if score is None:
            text_len = len(node.text(strip=True))
            density = min(1.0, link_chars(node) / text_len) if text_len else 1.0
            score = raw * (1.0 - density)
            if score > 0 and _inside_comments(node, self._comment_names):
                score *= COMMENT_SHARE
            self._final[node] = score
        return score

    def near(self, floor: float) -> list[tuple[LexborNode, float]]:
        """Nodes scoring at least ``floor`` (positive), best first."""
        found: list[tuple[LexborNode, float]] = []
        for node, raw in self._by_raw:
            if raw < floor:
                break
            score = self.final(node)
            if score is not None and score >= floor:
                found.append((node, score))
        found.sort(key=lambda item: item[1], reverse=True)
        return found

    def best(self) -> tuple[LexborNode, float] | None:
        # Link density only lowers a positive score, so once the raw score of the next node is
        # below the best final score nothing further can win.
        best: tuple[LexborNode, float] | None = None
        for node, raw in self._by_raw:
            if raw <= 0 or (best is not None and raw <= best[1]):
                break
            score = self.final(node)
            if score is not None and (best is None or score > best[1]):
                best = (node, score)
        return best


def candidate_scores(body: LexborNode) -> dict[LexborNode, float]:
    """Every voted-for container with its final score (for diagnostics; slower than choose_main)."""
    scorer = _Scorer(_votes(body))
    return {node: scorer.final(node) or 0.0 for node in scorer.raw}


def choose_main(body: LexborNode) -> list[LexborNode]:
    """The article container and any siblings that carry prose of their own, in document order."""
    scorer = _Scorer(_votes(body))
    found = scorer.best()
    if found is None or found[1] <= 0:
        return []
    top, top_score = _common_container(found[0], found[1], scorer)
    return _with_repeated_chunks(top, _with_siblings(top, top_score, scorer), scorer)


# How far up an article's wrapper may be repeated for each of its chunks (row > column > body).
CHUNK_CLIMB = 3
CHUNK_MIN_CHARS = 80


def _signature(node: LexborNode) -> tuple[str, str]:
    return node.tag or "", node.attributes.get("class") or ""


def _same_place(start: LexborNode, path: list[tuple[str, str]]) -> list[LexborNode]:
    """The nodes reached from `start` by following `path` (signatures of successive children)."""
    level = [start]
    for signature in path:
        tag = signature[0]
        level = [
            child for node in level for child in node.iter() if child.tag == tag and _signature(child) == signature
        ]
        if not level:
            break
    return level


def _with_repeated_chunks(top: LexborNode, chosen: list[LexborNode], scorer: _Scorer) -> list[LexborNode]:
    """An article the CMS cut into chunks between ads and embeds repeats the same wrapper for each
    chunk (``div.row > div.column > div.story-chunk``): the chunks in the same place of the
    wrapper's repeats, beside the article's, are the article's too, however short."""
    path: list[tuple[str, str]] = []
    anchor = top
    result = chosen
    for _ in range(CHUNK_CLIMB):
        path.insert(0, _signature(anchor))
        parent = anchor.parent
        if parent is None or parent.tag in ("body", "html", "-document"):
            break
        if len(path) > 1:
            # At the first level the siblings were judged by _with_siblings already.
            before: list[LexborNode] = []
            after: list[LexborNode] = []
            seen_anchor = False
            tag = path[0][0]
            for sibling in parent.iter():
                if sibling.tag != tag:
                    continue  # text, comments and other elements: no attributes read
                if sibling.mem_id == anchor.mem_id:
                    seen_anchor = True
                    continue
                if _signature(sibling) != path[0]:
                    continue
                for chunk in _same_place(sibling, path[1:]):
                    # A chunk with a paragraph of prose got votes from it; most repeats did not.
                    if chunk in scorer.raw and _has_prose(chunk):
                        (after if seen_anchor else before).append(chunk)
            result = before + result + after
        anchor = parent
    return result


def _has_prose(node: LexborNode) -> bool:
    """A paragraph of prose, inline citations and all (a chunk may be one cited sentence)."""
    for p in node.css("p"):
        text = p.text(strip=True)
        if len(text) >= CHUNK_MIN_CHARS and link_chars(p) < len(text) * 0.5:
            return True
    return False


def _chain(node: LexborNode) -> list[LexborNode]:
    chain = []
    up = node.parent
    while up is not None and up.tag not in ("body", "html", "-document"):
        chain.append(up)
        up = up.parent
    return chain


def _common_container(top: LexborNode, top_score: float, scorer: _Scorer) -> tuple[LexborNode, float]:
    """Climb to the container shared by several near-best candidates: an article cut into chunks."""
    rivals = [node for node, _ in scorer.near(top_score * ALT_RATIO)[:ALT_COUNT]]
    ancestors = _chain(top)
    ancestor_ids = {node.mem_id: depth for depth, node in enumerate(ancestors)}
    top_id = top.mem_id
    meet: list[int] = []
    for rival in rivals:
        if rival.mem_id == top_id or rival.mem_id in ancestor_ids:
            continue
        for node in _chain(rival):
            if node.mem_id == top_id:
                break  # a part of top: already inside it
            depth = ancestor_ids.get(node.mem_id)
            if depth is not None:
                meet.append(depth)
                break
    if len(meet) < ALT_MIN:
        return top, top_score
    depth = sorted(meet)[ALT_MIN - 1]
    if depth >= ALT_MAX_CLIMB:
        return top, top_score
    container = ancestors[depth]
    return container, max(top_score, scorer.final(container) or 0.0)


def _with_siblings(top: LexborNode, top_score: float, scorer: _Scorer) -> list[LexborNode]:
    parent = top.parent
    if parent is None:
        return [top]
    threshold = max(10.0, top_score * 0.2)
    chosen: list[LexborNode] = []
    for sibling in parent.iter():
        if sibling.mem_id == top.mem_id:
            chosen.append(sibling)
            continue
        raw = scorer.raw.get(sibling)
        if raw is not None and raw >= threshold and (scorer.final(sibling) or 0.0) >= threshold:
            chosen.append(sibling)
        elif sibling.tag == "p" and _is_prose_paragraph(sibling):
            chosen.append(sibling)
        elif sibling.tag in _CHUNKS and raw is not None and _is_prose_chunk(sibling):
            chosen.append(sibling)
    return chosen


# An article cut into blocks between ads and embeds: a sibling block of the article that holds
# prose paragraphs of its own is the article's, however short it is.
_CHUNKS = frozenset({"div", "section"})


def _is_prose_chunk(node: LexborNode) -> bool:
    if class_weight(node) < 0 or not _has_prose(node):
        return False
    text_len = len(node.text(strip=True))
    return link_chars(node) < 0.5 * text_len


def _is_prose_paragraph(node: LexborNode) -> bool:
    text = node.text(strip=True)
    length = len(text)
    if not length:
        return False
    density = link_chars(node) / length
    if length > 80:
        return density < 0.25
    return density == 0 and (". " in text or text.endswith("."))
