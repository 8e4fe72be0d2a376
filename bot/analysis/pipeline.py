"""analyze(): one parse of a fetched page → main content → links → factors → risk → Report.

Pure and synchronous (no network, no discord); the caller runs it in a worker thread with a
time limit. Work is bounded: links (5,000) and hiding CSS rules (500) are capped, and every
tree walk is memoised or done by lexbor's C code, so nothing grows quadratically.
"""

from __future__ import annotations

from selectolax.lexbor import LexborDocumentOptions, LexborHTMLParser

from bot.analysis.content import find_main_content
from bot.analysis.context import PageContext
from bot.analysis.factors.common import Inputs
from bot.analysis.factors.indexability import indexability
from bot.analysis.factors.link import anchor_text, link_type, placement, rel
from bot.analysis.factors.outbound import outbound_links
from bot.analysis.factors.quality import content_quality
from bot.analysis.factors.relevance import relevance
from bot.analysis.factors.traffic import traffic
from bot.analysis.factors.trust import trust
from bot.analysis.hiding import MAX_STYLE_CHARS, MAX_STYLE_RULES
from bot.analysis.keyword import make_keyword
from bot.analysis.language import language_of
from bot.analysis.links import scan_links
from bot.analysis.page import read_page
from bot.analysis.report import ContentSummary, Report
from bot.analysis.risk import assess
from bot.analysis.text_stats import count_words, figures
from bot.analysis.urls import host_of, parse_target, registrable_domain

MAX_CONTENT_CHARS = 100_000
MAX_PAGE_TEXT_CHARS = 2_000_000


def _skipped(context: PageContext | None, target: str | None, keyword: str | None, rules_capped: bool) -> list[str]:
    out: list[str] = []
    if rules_capped:
        out.append(f"hidden-link check: only the first {MAX_STYLE_RULES} hiding CSS rules / {MAX_STYLE_CHARS:,} characters of <style>")
    if context is None:
        out += ["HTTP status (offline)", "X-Robots-Tag header (offline)", "robots.txt (offline)"]
        if target:
            out.append("target page title and description (offline)")
    else:
        if context.status is None:
            out.append("HTTP status (unknown)")
        if context.robots is None or context.robots.allowed is None:
            out.append("robots.txt (not checked)")
    if context is None or context.rank_list is None:
        out.append("traffic (no rank list; the bot cannot see traffic)")
    if not target:
        out.append("target link checks: placement, anchor text, rel, link type (no target given)")
    if not keyword:
        out.append("keyword checks: exact/partial-match anchors, keyword relevance and density (no keyword given)")
    return out


def analyze(
    html: str,
    url: str,
    *,
    target: str | None = None,
    keyword: str | None = None,
    context: PageContext | None = None,
) -> Report:
    """Analyse a fetched page as a backlink opportunity for `target` (URL or domain) and `keyword`."""
    keyword = " ".join(keyword.split()) if keyword else None
    target = target.strip() if target else None
    final_url = (context.final_url if context is not None and context.final_url else None) or url
    # Without lexbor's mutation events: nothing here listens to them (they keep <selectedcontent>
    # in step with its <select>), and building the tree skips a callback per node.
    tree = LexborHTMLParser(html, options=LexborDocumentOptions.WO_EVENTS)
    root = tree.root
    language = language_of(
        root.attributes.get("lang") if root is not None else None,
        ", ".join(context.header_values("content-language")) if context is not None else None,
    )
    matcher = make_keyword(keyword, language) if keyword else None
    main = find_main_content(tree)
    facts = read_page(tree)
    target_obj = parse_target(target) if target else None
    scan = scan_links(
        tree,
        page_url=final_url,
        main=main,
        target=target_obj,
        keyword=matcher,
        base_href=facts.base_href,
    )
    main_lower = main.text.lower()
    main_words = main_lower.split()
    n_words = count_words(main_words)
    # Scripts and styles are not page text; strip them only now that links and content are read.
    tree.strip_tags(["script", "style", "template"])
    body = tree.body
    # Newlines inside text nodes become spaces so phrases match; other runs of spaces are rare
    # enough in phrases that collapsing the whole text is not worth its cost.
    page_text = (body.text(separator=" ") if body is not None else "")[:MAX_PAGE_TEXT_CHARS].replace("\n", " ")
    inp = Inputs(
        url=url,
        final_url=final_url,
        page_site=registrable_domain(host_of(final_url).lower()),
        facts=facts,
        main=main,
        main_figures=figures(main.text, n_words, main_lower, language),
        page_text=page_text,
        page_text_lower=page_text.lower(),
        scan=scan,
        target=target_obj,
        target_raw=target,
        keyword=keyword,
        context=context,
        language=language,
    )
    inp.share_main_text(main_lower, main_words)
    signals: set[str] = set()
    factors = (
        relevance(inp),
        content_quality(inp, signals),
        placement(inp, signals),
        anchor_text(inp, signals),
        rel(inp, signals),
        outbound_links(inp, signals),
        indexability(inp, signals),
        trust(inp, signals),
        traffic(inp, signals),
        link_type(inp, signals),
    )
    return Report(
        url=url,
        final_url=final_url,
        status=context.status if context is not None else None,
        title=facts.title,
        content=ContentSummary(text=main.text[:MAX_CONTENT_CHARS], word_count=n_words),
        links=tuple(s.link for s in scan.links),
        target_links=tuple(s.link for s in scan.targets),
        factors=factors,
        risk=assess(factors, signals),
        skipped=tuple(_skipped(context, target, keyword, scan.style_rules_capped)),
    )
