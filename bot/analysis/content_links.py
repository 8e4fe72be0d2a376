"""Which links inside the main content belong to the article, and which are furniture it carries.

content.py finds the article and marks the blocks inside it that are boilerplate by their names
and shapes. Some furniture sits in plain article paragraphs and lists, with nothing in its markup
to tell it apart: a site's own headline promoted in a paragraph of its own ("Related: ..."), a
line of topic links, a list of the site's stories after a short heading once the story is over,
next/previous links, a newsletter or app call, a share link whose text is a sentence of the
article, and what the page itself marks with rel=tag/next/prev/author. These are told by what the link is, where it points and what
surrounds it, as a reader would tell them, and only for links already placed in the content.

Every look-up is per link's block (cached per page), so a page costs a few text reads per
in-content link.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

# Elements that make a block of text of their own.
_BLOCKS = frozenset(
    {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "div", "td", "dd", "dt", "blockquote", "section",
     "article", "center", "figcaption", "header", "footer", "aside", "main", "body"}
)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_MAX_CLIMB = 6
_TOKEN_RE = re.compile(r"\w+")
# A promoted headline: the whole block is one link of at least this many words, with at most a
# short lead-in ("Related:", "Read more:"); a block of several links (headlines, topics) may have
# links of any length.
PROMO_MIN_WORDS = 3
PROMO_MAX_LEAD_WORDS = 3
# A call to subscribe, sign up or get the app is a short line, never a paragraph of the article.
CALL_MAX_CHARS = 200
_CALL_RE = re.compile(
    r"subscri|newsletter|\bsign[\s-]?up\b|\bjoin our\b|\bfollow us\b|\bget the\b[^.]{0,40}\bapp\b|"
    r"\bdownload (?:the|our)\b[^.]{0,40}\bapp\b|\bon the go\b|inscreva|\bassine\b|suscr[ií]b|abonne|abonnier|"
    r"iscriviti|подпис",
    re.I,
)
# Share buttons reach a network's share form; their text may be any sentence of the article.
_SHARE_HREF_RE = re.compile(r"/intent/(?:tweet|post)|/share(?:r|article)?(?:\.php)?(?:[/?]|$)|[?&]share=", re.I)
_SHARE_TEXT_RE = re.compile(r"\b(?:tweet|share) this\b|\bclick to (?:tweet|share)\b", re.I)
# Either of the two above, in one pass over the anchor text; plain substrings one of which every
# match contains go first (a case-blind pattern of many alternatives costs microseconds a link).
_CUE_RE = re.compile(f"{_CALL_RE.pattern}|{_SHARE_TEXT_RE.pattern}", re.I)
_CUE_WORDS = (
    "subscri", "newsletter", "sign", "join our", "follow us", "app", "on the go", "inscrev", "assine", "suscr",
    "abonn", "iscriv", "подпис", "tweet", "share",
)
# The page says so itself: a tag of the post, the next or previous one in a series, the byline.
_FURNITURE_RELS = frozenset({"tag", "next", "prev", "previous", "author"})
# A list's heading, when the list is a list of other stories: a short line, not a sentence.
LABEL_MAX_CHARS = 60
# A paragraph of the story, as opposed to a caption or a credit line.
STORY_PARAGRAPH_CHARS = 80
_MAX_FOLLOWING = 50
# Neighbouring stories: "Next article", "Previous story", "Older post" ...
_NEXT_PREV_RE = re.compile(r"^\W*(?:next|previous|prev|newer|older)\b", re.I)


def _words(text: str) -> int:
    return len(_TOKEN_RE.findall(text))


def _block_of(link: LexborNode) -> LexborNode | None:
    cur = link.parent
    for _ in range(_MAX_CLIMB):
        if cur is None:
            return None
        if cur.tag in _BLOCKS:
            return cur
        cur = cur.parent
    return None


def _element_sibling(node: LexborNode, forward: bool) -> LexborNode | None:
    sibling = node.next if forward else node.prev
    while sibling is not None and not sibling.is_element_node:
        sibling = sibling.next if forward else sibling.prev
    return sibling


def _story_over(items: LexborNode) -> bool:
    """Nothing of the story follows the list in its container: a list of links in the middle of an
    article ("What you need:") is the article's, one after its last paragraph is furniture."""
    sibling = _element_sibling(items, True)
    for _ in range(_MAX_FOLLOWING):
        if sibling is None:
            return True
        if sibling.tag == "p" and len(sibling.text(strip=True)) >= STORY_PARAGRAPH_CHARS:
            return False
        sibling = _element_sibling(sibling, True)
    return False


class ArticleLinks:
    """Decides, per in-content link, whether it is furniture; one per page (caches per block)."""

    def __init__(self) -> None:
        self._block_text: dict[int, str] = {}
        self._story_list: dict[int, bool] = {}
        self._promo_block: dict[int, bool] = {}

    def _text(self, node: LexborNode) -> str:
        mid = node.mem_id
        text = self._block_text.get(mid)
        if text is None:
            text = self._block_text[mid] = " ".join(node.text(separator=" ").split())
        return text

    def furniture(
        self, link: LexborNode, href: str, text: str, internal: bool, rels: tuple[str, ...] = ()
    ) -> bool:
        """Whether an in-content link (resolved `href`, anchor `text`, `rel` tokens) is not part of
        the article."""
        if rels and _FURNITURE_RELS.intersection(rels):
            return True
        # Cheap substring tests first: most in-content links are plain citations.
        if ("har" in href or "HAR" in href or "ntent/" in href) and _SHARE_HREF_RE.search(href):
            return True
        calls = False
        low = text.lower()
        if any(word in low for word in _CUE_WORDS) and _CUE_RE.search(text):
            if _SHARE_TEXT_RE.search(text):
                return True
            # The call is the link itself ("Subscribe to our newsletter"), in a short line of its
            # own; a link in a sentence about signing up for something ("sign up for the bundle
            # <a>using the same email</a>") is the article's own matter.
            calls = _CALL_RE.search(text) is not None
        if not (calls or internal):
            # Outbound links in the article are what the page vouches for: citations, sources,
            # the product a deal line points at. Only the site's own furniture is told apart.
            return False
        block = _block_of(link)
        if block is None:
            return False
        block_text = self._text(block)
        if calls and len(block_text) <= CALL_MAX_CHARS:
            return True
        if not internal:
            return False
        if _NEXT_PREV_RE.match(block_text) and len(block_text) <= LABEL_MAX_CHARS:
            return True
        if block.tag != "li" and self._promo(block, block_text):
            return True
        if block.tag == "li":
            parent = block.parent
            if parent is not None and parent.tag in ("ul", "ol"):
                return self._is_story_list(parent)
        return False

    def _promo(self, block: LexborNode, block_text: str) -> bool:
        """A block made of the site's links and nothing else but a short lead-in ("Related:",
        "Don't miss", "Tags:"): one headline of several words, or several links (headlines, tags),
        with no sentence of its own. A link whose text is a URL is a citation, never furniture."""
        mid = block.mem_id
        known = self._promo_block.get(mid)
        if known is not None:
            return known
        found = False
        links = 0
        link_words = 0
        for a in block.css("a"):
            words = _words(a.text(separator=" "))
            if words:
                link_text = a.text()
                if "http" in link_text or "www." in link_text:
                    links = 0
                    break
                links += 1
                link_words += words
        if links > 1 or (links == 1 and link_words >= PROMO_MIN_WORDS):
            most = link_words + PROMO_MAX_LEAD_WORDS
            # A link standing straight in the article's <div> has the whole article for its block:
            # counting all its words to find it has more than `most` is the costly way. A prefix
            # holds no more words than the whole (a word cut at its end is one word either way).
            head = block_text[: 16 * most + 64]
            found = (len(head) == len(block_text) or _words(head) <= most) and _words(block_text) <= most
        self._promo_block[mid] = found
        return found

    def _is_story_list(self, items: LexborNode) -> bool:
        """A list of the site's stories under a short heading: every item is a link."""
        mid = items.mem_id
        known = self._story_list.get(mid)
        if known is not None:
            return known
        found = False
        label = _element_sibling(items, False)
        if label is not None and (label.tag in _HEADINGS or label.tag in ("div", "p", "span", "strong", "b")):
            label_text = self._text(label)
            if 0 < len(label_text) <= LABEL_MAX_CHARS and not label_text.endswith(".") and _story_over(items):
                rows = [li for li in items.iter() if li.tag == "li"]
                found = len(rows) >= 2 and all(li.css_first("a[href]") is not None for li in rows)
        self._story_list[mid] = found
        return found
