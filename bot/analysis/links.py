"""Every link on the page with its anchor, rel, region, visibility and internal/external status."""

from __future__ import annotations

from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.analysis.anchors import classify_anchor_fast
from bot.analysis.content import DROP_ATTR, MAIN_ATTR, MainContent
from bot.analysis.content_links import ArticleLinks
from bot.analysis.hiding import HIDING_QUERY, HidingRule, apply_rules, explain_rule, hiding_rules, note_hiding
from bot.analysis.keyword import Keyword
from bot.analysis.regions import _SKIP_TAGS, MARKED, MAX_DEPTH, PathClassifier
from bot.analysis.report import Link, rel_tokens
from bot.analysis.urls import Target, brand_of, host_of, registrable_domain, resolve_href

MAX_LINKS = 5000
MAX_ANCHOR_CHARS = 300
MAX_IMAGE_DEPTH = 12  # an image deeper than this inside its link is not looked for
MAX_FIGURE_CLIMB = 64  # from a picture link up to the article: deeper nesting is not a figure of it

_LINKS_MARKS_AND_HIDING = f"a[href], area[href], {MARKED}, {HIDING_QUERY}"
_LINK_TAGS = frozenset({"a", "area"})
_PICTURE_TAGS = frozenset({"img", "svg", "picture"})
_new_object = object.__new__
_set_attr = object.__setattr__


class ScannedLink:
    """A reported Link plus what the factors need from the scan (a slotted class: one per link)."""

    __slots__ = ("link", "node", "host", "site", "is_target", "hidden_reason")

    def __init__(
        self, link: Link, node: LexborNode, host: str, site: str, is_target: bool, hidden_reason: str | None
    ) -> None:
        self.link = link
        self.node = node
        self.host = host
        self.site = site
        self.is_target = is_target
        self.hidden_reason = hidden_reason


@dataclass
class LinkScan:
    links: list[ScannedLink]
    total_found: int  # before the cap
    other_hrefs: list[str]  # mailto:, tel: ... (kept for contact signals, not reported as links)
    style_rules: list[HidingRule]
    style_rules_capped: bool
    main_found: bool
    targets: list[ScannedLink] = field(default_factory=list)

    @property
    def capped(self) -> bool:
        return self.total_found > MAX_LINKS


def _image_alt(link: LexborNode, link_id: int) -> str | None:
    """Alt text of the images a link holds: the first non-empty alt of an ``img`` whose nearest
    enclosing link is this one ("" for an svg/picture or alt-less img), None when it holds none.

    Asked only for links without text (a handful per page), which is far cheaper than one
    whole-page query for every image in a link. The link's few descendants are walked rather
    than queried: a query compiles its selector on every call, which costs more than the walk."""
    found: str | None = None
    for img in link.traverse(include_text=False):
        if img.tag not in _PICTURE_TAGS:
            continue
        cur = img.parent
        for _ in range(MAX_IMAGE_DEPTH):
            if cur is None:
                break
            if cur.tag == "a":
                if not found and cur.mem_id == link_id:
                    found = (img.attributes.get("alt") or "") if img.tag == "img" else ""
                break
            cur = cur.parent
    return found


def scan_links(
    tree: LexborHTMLParser,
    *,
    page_url: str,
    main: MainContent,
    target: Target | None,
    keyword: Keyword | None,
    base_href: str | None,
) -> LinkScan:
    base = page_url
    if base_href:
        resolved = resolve_href(page_url, base_href)
        if resolved:
            base = resolved
    page_site = registrable_domain(host_of(page_url))
    base_host = host_of(base)

    # Links, the content marks and what hides elements, in one walk of the page. A node matching
    # several selectors of the list comes once per selector, in a row: only the first is kept.
    hidden: dict[int, str] = {}
    style_texts: list[str] = []
    found: list[tuple[LexborNode, dict[str, str | None], str, int]] = []
    marks: list[tuple[LexborNode, dict[str, str | None]]] = []
    last_mid = -1
    for node in tree.css(_LINKS_MARKS_AND_HIDING):
        mid = node.mem_id
        if mid == last_mid:
            continue
        last_mid = mid
        attrs = node.attributes
        tag = node.tag or ""
        if tag in _LINK_TAGS and "href" in attrs:
            found.append((node, attrs, tag, mid))
        if MAIN_ATTR in attrs or DROP_ATTR in attrs:
            marks.append((node, attrs))
        if tag == "style" or "style" in attrs or "hidden" in attrs:
            note_hiding(node, tag, attrs, hidden, style_texts)
    rules, rules_capped = hiding_rules(style_texts)
    for mid, reason in apply_rules(tree, rules).items():
        hidden.setdefault(mid, reason)
    classifier = PathClassifier(tree, main.nodes, hidden, marks)
    total = len(found)
    links: list[ScannedLink] = []
    append = links.append
    others: list[str] = []
    target_host_hint = target.domain if target is not None else ""
    hidden_get = hidden.get
    classify = classify_anchor_fast
    # The classifier's memo and special set, read directly: the place of a link is mostly one
    # dict look-up of its parent's state, which a method call per link would double.
    memo = classifier.memo
    memo_get = memo.get
    special = classifier.special
    root_state = classifier.root
    state_of = classifier.state_of
    step = classifier.step
    # Furniture inside the article (promoted headlines, story lists, calls to subscribe, share
    # links) is told apart only when an article was found: otherwise nothing is "the article".
    furniture = ArticleLinks().furniture if classifier.has_main else None
    # Navigation and footer repeat the same hrefs: resolve each distinct href once per page.
    resolved_cache: dict[str, tuple[str, str, str, str, bool, bool] | None] = {}
    # (site, brand, internal) per host: most links of a page point at a handful of hosts.
    host_cache: dict[str, tuple[str, str, bool]] = {}
    # rel values repeat too ("nofollow", "noopener noreferrer").
    rel_cache: dict[str, tuple[str, ...]] = {}
    # And whole anchors: a menu repeated in the footer, "Read more" to the same site. The class
    # depends on the text, whether it is an image, and the link's brand (the keyword is the page's).
    class_cache: dict[tuple[str, bool, str], str] = {}
    for node, attrs, tag, mid in found[:MAX_LINKS] if total > MAX_LINKS else found:
        raw = attrs.get("href") or ""
        resolved = resolved_cache.get(raw, False)
        if resolved is False:
            url = resolve_href(base, raw)
            if url is None:
                resolved = None
            else:
                stripped = raw.lstrip()
                host = base_host if stripped.startswith("/") and not stripped.startswith("//") else host_of(url)
                per_host = host_cache.get(host)
                if per_host is None:
                    site = registrable_domain(host) if host else ""
                    per_host = host_cache[host] = (site, brand_of(site), bool(site) and site == page_site)
                is_target = target is not None and target_host_hint in url.lower() and target.matches(url)
                resolved = (url, host, *per_host, is_target)
            resolved_cache[raw] = resolved
        if resolved is None:
            raw = raw.strip()
            if raw and not raw.startswith("#"):
                others.append(raw[:200])
            continue
        url, host, site, brand, internal, is_target = resolved
        # Anchor text; else the image alt (or area alt); else aria-label / title.
        text = " ".join(node.text(deep=True, separator=" ").split()) if tag == "a" else ""
        is_image = False
        if not text:
            if tag == "area":
                alt = attrs.get("alt")
                is_image = True
            else:
                alt = _image_alt(node, mid)
                is_image = alt is not None
            text = " ".join((alt or attrs.get("aria-label") or attrs.get("title") or "").split())
        if len(text) > MAX_ANCHOR_CHARS:
            text = text[:MAX_ANCHOR_CHARS]
        rel_attr = attrs.get("rel")
        if rel_attr:
            rels = rel_cache.get(rel_attr)
            if rels is None:
                rels = rel_cache[rel_attr] = tuple(dict.fromkeys(rel_tokens(rel_attr)))
        else:
            rels = ()
        # Placement: the parent's memoised state, then the link's own step when it is special.
        parent = node.parent
        if parent is None:
            state = root_state
        else:
            parent_id = parent.mem_id
            state = memo_get(parent_id)
            if state is None:
                # Most links sit in a <p>, <li> or <span> of their own that marks nothing and so
                # has its parent's state: look that up here, without a walk (as state_of would).
                if parent.tag in _SKIP_TAGS and parent_id not in special:
                    grand = parent.parent
                    if grand is None:
                        state = root_state
                    else:
                        state = memo_get(grand.mem_id)
                        if state is None:
                            state = state_of(grand, MAX_DEPTH - 1)
                    memo[parent_id] = state
                else:
                    state = state_of(parent)
        if mid in special:
            state = step(state, mid, tag, node)
        placed = state[0]
        if placed == "content":
            if furniture is not None and furniture(node, url, text, internal, rels):
                placed = "other"
        elif is_image and state[2] and state[6] and _picture_of_article_figure(node):
            placed = "content"
        hidden_by = state[1]
        hidden_reason = None if hidden_by is None else hidden_get(hidden_by, "hidden")
        anchor_key = (text, is_image, brand)
        anchor_class = class_cache.get(anchor_key)
        if anchor_class is None:
            anchor_class = class_cache[anchor_key] = classify(text, is_image, brand, keyword)
        # A Link per link: filling its __dict__ in one go costs half of the frozen dataclass'
        # __init__ (which sets each of its seven fields through object.__setattr__).
        link = _new_object(Link)
        _set_attr(
            link,
            "__dict__",
            {
                "href": url,
                "anchor_text": text,
                "anchor_class": anchor_class,
                "rel": rels,
                "placement": placed,
                "internal": internal,
                "hidden": hidden_reason is not None,
            },
        )
        append(ScannedLink(link, node, host, site, is_target, hidden_reason))
    scan = LinkScan(
        links=links,
        total_found=total,
        other_hrefs=others,
        style_rules=rules,
        style_rules_capped=rules_capped,
        main_found=classifier.has_main,
    )
    scan.targets = [s for s in links if s.is_target]
    for s in scan.targets:
        if s.hidden_reason == "<style> rule":
            s.hidden_reason = _explain_style_hidden(s.node, hidden, rules)
    return scan


def _picture_of_article_figure(link: LexborNode) -> bool:
    """Whether an image link marked boilerplate inside the article is the picture of one of the
    article's figures: the figure is the only boilerplate mark between the link and the article,
    and the link is the figure's only link outside its caption (a figure of several is a gallery
    of other stories)."""
    figure: LexborNode | None = None
    cur = link.parent
    for _ in range(MAX_FIGURE_CLIMB):
        if cur is None:
            return False
        attrs = cur.attributes
        if MAIN_ATTR in attrs:
            break
        if DROP_ATTR in attrs:
            if figure is not None or cur.tag != "figure":
                return False
            figure = cur
        cur = cur.parent
    else:
        return False
    if figure is None:
        return False
    captioned = {a.mem_id for a in figure.css("figcaption a")}
    return sum(1 for a in figure.css("a[href]") if a.mem_id not in captioned) == 1


def _explain_style_hidden(node: LexborNode, hidden: dict[int, str], rules: list[HidingRule]) -> str:
    cur: LexborNode | None = node
    while cur is not None:
        if hidden.get(cur.mem_id) == "<style> rule":
            return explain_rule(cur, rules)
        cur = cur.parent
    return "hidden by a <style> rule"
