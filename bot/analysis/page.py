"""Page-level facts read from the head and headings in one lexbor query."""

from __future__ import annotations

from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

from bot.analysis.report import rel_tokens

# Every selector of the list is matched against every element of the page, so the list is kept
# short: all metas (those without a name or property are skipped below), and one "discl" test per
# attribute for disclosures and disclaimers, told apart in Python.
_QUERY = (
    "title, meta, link[rel], base[href], h1, h2, h3, "
    "[itemprop=author], [rel~=author], [class*=byline i], [class*=author i], [class*=discl i], [id*=discl i], "
    "script[type='application/ld+json']"
)
MAX_TEXT = 2000


def _clean(text: str | None, limit: int = MAX_TEXT) -> str:
    return " ".join((text or "").split())[:limit]


@dataclass(frozen=True)
class PageFacts:
    title: str
    description: str
    base_href: str | None
    canonical: str | None
    robots_meta: tuple[tuple[str, str], ...]  # (meta name, content) for robots / googlebot metas
    h1: tuple[str, ...]
    headings: tuple[str, ...]  # h2 and h3
    author_signals: tuple[str, ...]
    disclosures: tuple[str, ...]  # text of elements named "disclosure"/"disclaimer"


def read_page(tree: LexborHTMLParser) -> PageFacts:
    title = ""
    description = ""
    og_title = ""
    base_href: str | None = None
    canonical: str | None = None
    robots: list[tuple[str, str]] = []
    h1: list[str] = []
    headings: list[str] = []
    author: list[str] = []
    disclosures: list[str] = []
    for node in tree.css(_QUERY):
        tag = node.tag
        attrs = node.attributes
        if tag == "title":
            if not title:
                title = _clean(node.text())
        elif tag == "meta":
            name = (attrs.get("name") or attrs.get("property") or "").strip().lower()
            content = attrs.get("content") or ""
            if name in ("robots", "googlebot"):
                robots.append((name, content))
            elif name == "description" and not description:
                description = _clean(content)
            elif name == "og:title" and not og_title:
                og_title = _clean(content)
            elif name in ("author", "article:author") and content.strip():
                author.append(f"meta {name}: {_clean(content, 80)}")
        elif tag == "link":
            rels = rel_tokens(attrs.get("rel"))
            if "canonical" in rels and canonical is None:
                canonical = (attrs.get("href") or "").strip() or None
            if "author" in rels:
                author.append("link rel=author")
        elif tag == "base":
            if base_href is None:
                base_href = (attrs.get("href") or "").strip() or None
        elif tag == "h1":
            if len(h1) < 20:
                h1.append(_clean(node.text(separator=" "), 300))
        elif tag in ("h2", "h3"):
            if len(headings) < 100:
                headings.append(_clean(node.text(separator=" "), 300))
        elif tag == "script":
            if '"author"' in (node.text() or "")[:200_000]:
                author.append("schema.org author (JSON-LD)")
        else:
            cls = (attrs.get("class") or "").lower()
            names = f"{cls} {(attrs.get('id') or '').lower()}"
            if "disclos" in names or "disclaim" in names:
                if len(disclosures) < 10:
                    disclosures.append(_clean(node.text(separator=" "), 500))
                continue
            if attrs.get("itemprop") == "author":
                author.append("schema.org author (microdata)")
            elif "author" in rel_tokens(attrs.get("rel")):
                author.append("rel=author link")
            elif "byline" in cls or "author" in cls:
                text = _clean(node.text(separator=" "), 80)
                if text:
                    author.append(f"byline: {text}")
            # else: only "discl" matched (a "disclination" class): neither disclosure nor author
    return PageFacts(
        title=title or og_title,
        description=description,
        base_href=base_href,
        canonical=canonical,
        robots_meta=tuple(robots),
        h1=tuple(h for h in h1 if h),
        headings=tuple(h for h in headings if h),
        author_signals=tuple(dict.fromkeys(author))[:10],
        disclosures=tuple(d for d in disclosures if d),
    )
