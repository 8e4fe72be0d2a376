"""Outbound links: how many sites the page links out to, and whether it links into spam niches.

Start at 100. Spam-niche links (matched in each external link's host + path and anchor, target
links excluded) in the main content −70, elsewhere −50. A link farm or directory — 25 or more
distinct external sites linked from the page body (content, or any block outside the site's
navigation, header, footer, sidebar and comments) with under 20 words of main text per site,
whatever element holds them — −65. Otherwise link-farm ratios: external links in the content per
100 words over 2.5 −15, over 5 −35; distinct external domains in the content over 12 −15, over
25 −35. Over 150 external links on the whole page −10.
"""

from __future__ import annotations

from bot.analysis import signals as sig
from bot.analysis.factors.common import MAX_EVIDENCE_ITEMS, Inputs, judged, quote, short_url
from bot.analysis.links import MAX_LINKS
from bot.analysis.report import Factor

ID = "outbound_links"
BODY_PLACES = frozenset({"content", "other"})
# "Dozens of links to distinct sites" under a short intro: a directory lists a site in a line or
# two, an article that cites as many sources spends paragraphs on them.
FARM_MIN_SITES = 25
FARM_WORDS_PER_SITE = 20


def outbound_links(inp: Inputs, signals: set[str]) -> Factor:
    external = inp.external_links
    in_content = [s for s in external if s.link.placement == "content"]
    # A directory's table or list of links may not be read as the article; wherever it sits
    # outside the site's own frame (navigation, header, footer, sidebar, comments) it is the page.
    in_body = [s for s in external if s.link.placement in BODY_PLACES]
    domains = {s.site for s in external}
    content_domains = {s.site for s in in_content}
    body_domains = {s.site for s in in_body}
    wc = inp.main_figures.word_count
    facts = [
        f"{len(external)} external links to {len(domains)} sites on the page; "
        f"{len(in_content)} in the main content to {len(content_domains)} sites"
    ]
    if inp.scan.capped:
        facts.append(f"only the first {MAX_LINKS:,} of {inp.scan.total_found:,} links were analysed")
    penalties: list[tuple[float, str]] = []
    spam = inp.spam_links
    if spam:
        spam_in_content = [x for x in spam if x[0].link.placement == "content"]
        signals.add(sig.SPAM_NICHE_CONTENT if spam_in_content else sig.SPAM_NICHE_PAGE)
        niches = sorted({niche for _, niche, _ in spam})
        penalties.append(
            (
                70 if spam_in_content else 50,
                f"links into spam niches ({', '.join(niches)}): {len(spam)}, {len(spam_in_content)} in the content",
            )
        )
        for s, niche, word in (spam_in_content or spam)[:MAX_EVIDENCE_ITEMS]:
            facts.append(f"{niche} ('{word}'): {short_url(s.link.href, 70)} {quote(s.link.anchor_text, 40)} in {s.link.placement}")
    words_per_site = wc / len(body_domains) if body_domains else float("inf")
    if len(body_domains) >= FARM_MIN_SITES and words_per_site < FARM_WORDS_PER_SITE:
        signals.add(sig.LINK_FARM)
        penalties.append(
            (
                65,
                f"link farm or directory: {len(in_body)} external links to {len(body_domains)} distinct external sites "
                f"with {wc} words of text ({words_per_site:.0f} words per site)",
            )
        )
    else:
        per100 = len(in_content) / wc * 100 if wc else 0.0
        if per100 > 5:
            penalties.append((35, f"link-farm ratio: {per100:.1f} external links per 100 words of content (over 5)"))
        elif per100 > 2.5:
            penalties.append((15, f"many links: {per100:.1f} external links per 100 words of content (over 2.5)"))
        elif wc:
            facts.append(f"{per100:.1f} external links per 100 words of content")
        if len(content_domains) > 25:
            penalties.append((35, f"link-farm ratio: {len(content_domains)} distinct external sites in the content"))
        elif len(content_domains) > 12:
            penalties.append((15, f"{len(content_domains)} distinct external sites in the content (over 12)"))
    if len(external) > 150:
        penalties.append((10, f"link-heavy page: {len(external)} external links"))
    strength = (
        "no spam-niche links; external links in proportion to the text"
        if external
        else "no external links: nothing on the page competes with or taints the target link"
    )
    return judged(ID, 100, penalties, strength=strength, facts=facts)
