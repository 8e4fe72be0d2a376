"""The verdicts a careful SEO would give, on whole pages (issue 12, section 2).

Each class of page has a realistic page of its own in verdict_pages/: a site frame (header,
navigation, sidebar, footer) around an article, as such pages are found in the wild.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from bot.analysis import analyze
from bot.analysis.anchors import classify_anchor
from bot.analysis.report import Report

PAGES = Path(__file__).parent / "verdict_pages"


def load(name: str) -> str:
    return (PAGES / f"{name}.html").read_text(encoding="utf-8")


def verdicts(report: Report) -> dict[str, str]:
    return {f.id: f.verdict for f in report.factors}


# --- image links ------------------------------------------------------------------------------

IMAGE_URL = "https://smallplotdiaries.co.uk/balcony-tomatoes/"
IMAGE_TARGET = "greenhaven-seeds.com"


def test_a_link_that_is_only_an_image_is_an_image_anchor_shown_by_its_alt_text():
    report = analyze(load("image_link"), IMAGE_URL, target=IMAGE_TARGET, keyword="tomato seeds")
    (link,) = report.target_links
    assert link.anchor_class == "image"
    assert link.anchor_text == "Tumbling Tom Red tomato seeds"
    anchor = report.factor("anchor_text")
    assert anchor.verdict == "caution"
    assert anchor.evidence[0].startswith("image link")
    assert "alt text 'Tumbling Tom Red tomato seeds'" in anchor.evidence[1]
    # The logo in the header is an image link too, whatever its alt says.
    logo = next(link for link in report.links if link.href == "https://smallplotdiaries.co.uk/")
    assert logo.anchor_class == "image"


def test_an_image_link_in_a_figure_of_the_article_is_content():
    report = analyze(load("image_link"), IMAGE_URL, target=IMAGE_TARGET)
    assert report.target_links[0].placement == "content"
    assert report.factor("placement").verdict == "good"


# --- brand anchors ----------------------------------------------------------------------------

BRAND_URL = "https://theremotedesk.com/four-day-week-planning/"


@pytest.mark.parametrize("domain", ["getplanly.com", "planlyapp.com", "planlyhq.com", "tryplanly.com", "planlyofficial.com", "planly.com"])
def test_the_brand_in_a_short_phrase_is_branded_also_when_the_domain_adds_an_affix(domain):
    html = load("brand_anchor").replace("www.getplanly.com", f"www.{domain}")
    report = analyze(html, BRAND_URL, target=domain, keyword="team planning tool")
    (link,) = report.target_links
    assert (link.anchor_text, link.anchor_class, link.placement) == ("the Planly weekly board", "branded", "content")
    assert report.factor("anchor_text").verdict == "good"
    assert report.risk.level == "low"


@pytest.mark.parametrize(
    ("text", "brand", "expected"),
    [
        ("Planly", "getplanly", "branded"),
        ("Planly's free planner", "planlyhq", "branded"),
        ("try Planly", "tryplanly", "branded"),
        ("the Planly app", "planlyapp", "branded"),
        ("Minhocário Brasil", "minhocario-brasil", "branded"),  # domains drop the accents
        # A long anchor that mentions the brand describes the page more than it names the brand.
        ("a long review of how the Planly weekly board changed our team's planning", "planly", "descriptive"),
        # An affix only comes off when a real name is left: "get" + "up" is not the brand "up".
        ("up", "getup", "descriptive"),
        # The brand is a whole word of the phrase, not letters inside another word.
        ("smartphone deals", "art", "descriptive"),
    ],
)
def test_brand_forms(text, brand, expected):
    assert classify_anchor(text, is_image=False, brand=brand, keyword=None) == expected


# --- link farms and directories ---------------------------------------------------------------

DIRECTORY_URL = "https://www.gardenlinks-directory.co.uk/"
DIRECTORY_TARGET = "compost-supplies.example"


def test_a_directory_table_that_sells_listings_is_outbound_bad_and_high_risk():
    report = analyze(load("link_directory"), DIRECTORY_URL, target=DIRECTORY_TARGET, keyword="compost bins")
    outbound = report.factor("outbound_links")
    assert outbound.verdict == "bad"
    assert outbound.evidence[0].startswith("link farm or directory: ")
    assert "distinct external sites" in outbound.evidence[0]
    trust = report.factor("trust")
    assert trust.verdict == "bad"
    assert any(p in trust.evidence[0] for p in ("'submit your link'", "'price list'", "'buy backlinks'"))
    assert report.risk.level == "high"
    assert "link farm or directory that sells its listings" in report.risk.flags


def test_a_links_page_in_a_list_without_selling_is_still_outbound_bad():
    report = analyze(load("link_list"), "https://margaretsgarden.example/links/", target=DIRECTORY_TARGET)
    assert report.factor("outbound_links").verdict == "bad"
    assert report.factor("trust").verdict == "good"  # a hobbyist's page sells nothing
    assert report.risk.level == "medium"
    assert "link farm or directory: dozens of links to distinct sites" in report.risk.flags


# --- link sellers -----------------------------------------------------------------------------

SELLER_URL = "https://moneywisedaily.net/lower-car-insurance/"


def test_a_money_anchor_on_a_site_that_sells_links_is_high_risk():
    report = analyze(load("link_seller"), SELLER_URL, target="quotesmart-insure.com", keyword="cheap car insurance")
    assert report.target_links[0].anchor_class == "exact_match"
    trust = report.factor("trust")
    assert trust.verdict == "bad"
    assert trust.evidence[0].startswith("the site sells links: ")
    for footprint in ("'write for us'", "'sponsored posts accepted'", "'link insertion'", "'price list'"):
        assert footprint in trust.evidence[0]
    assert report.risk.level == "high"
    assert report.risk.flags[0] == "exact-match anchor on a site that sells links"


def test_one_guest_post_invitation_is_a_footprint_not_a_link_seller():
    html = load("link_seller")
    start, end = html.index('<div class="widget advertise">'), html.index('<div class="widget"><h3>Latest')
    report = analyze(html[:start] + html[end:], SELLER_URL, target="quotesmart-insure.com", keyword="lower premiums")
    trust = report.factor("trust")
    assert trust.verdict != "bad"
    assert "the site sells links: several link-selling footprints" not in report.risk.flags
    assert "link-selling footprints on the page" in report.risk.flags


# --- bad neighbourhoods -----------------------------------------------------------------------


def test_an_article_linking_into_several_spam_niches_is_a_bad_neighbourhood():
    report = analyze(
        load("bad_neighbourhood"),
        "https://weekendliving.example/rainy-weekend-ideas/",
        target="playfulparenting.example",
        keyword="indoor games for children",
    )
    v = verdicts(report)
    assert v["outbound_links"] == "bad" and v["trust"] == "bad"
    assert report.factor("outbound_links").evidence[0].startswith("links into spam niches (")
    trust_lead = report.factor("trust").evidence[0]
    assert trust_lead.startswith("bad neighbourhood: ")
    for niche in ("gambling", "pharma", "payday loans", "essay writing", "replicas"):
        assert niche in trust_lead
    assert report.risk.level == "high"
    assert report.risk.flags[0] == "bad neighbourhood: the article links into several spam niches"
    # The target link itself is fine: the page around it is the problem.
    assert v["placement"] == "good" and v["anchor_text"] == "good"


# --- keyword stuffing -------------------------------------------------------------------------

STUFFED_URL = "https://londonhomefix.example/emergency-plumber-london/"


def test_a_short_page_repeating_the_keyword_is_bad_content_and_with_a_money_anchor_high_risk():
    report = analyze(load("keyword_stuffing"), STUFFED_URL, target="rapidflow-plumbing.example", keyword="emergency plumber london")
    quality = report.factor("content_quality")
    assert quality.verdict == "bad"
    assert quality.evidence[0].startswith("keyword stuffing: ")
    assert report.content.word_count >= 300  # not merely thin: the repetition is the reason
    assert report.target_links[0].anchor_class == "exact_match"
    assert report.risk.level == "high"
    assert report.risk.flags[0] == "exact-match anchor on a keyword-stuffed page"


def test_the_stuffed_page_without_a_money_anchor_is_not_high_risk_for_stuffing_alone():
    html = load("keyword_stuffing").replace(">emergency plumber London</a>", ">RapidFlow</a>")
    report = analyze(html, STUFFED_URL, target="rapidflow-plumbing.example", keyword="emergency plumber london")
    assert report.factor("content_quality").verdict == "bad"
    assert report.target_links[0].anchor_class == "branded"
    assert report.risk.level == "medium"
    assert "keyword stuffing" in report.risk.flags


# --- one keyword matcher ----------------------------------------------------------------------


def _sample() -> str:
    return resources.files("bot.samples").joinpath("guest-post.html").read_text(encoding="utf-8")


def test_relevance_and_content_quality_count_the_keyword_alike_on_the_sample():
    report = analyze(
        _sample(),
        "https://gardening-weekly.example/blog/how-to-start-composting",
        target="https://www.compost-supplies.example/bins",
        keyword="compost bins",
    )
    relevance = report.factor("relevance")
    assert relevance.verdict == "good"
    assert relevance.evidence[0].startswith("the page is about 'compost bins'")
    # "How to Start Composting at Home": composting is a form of compost.
    assert any(e.startswith("in title: compost ") for e in relevance.evidence)
    whole = next(e for e in relevance.evidence if e.startswith("whole phrase in main text: "))
    hits = int(whole.rsplit(" ", 1)[1].rstrip("×"))
    assert hits > 0
    quality = report.factor("content_quality")
    assert any(f"'compost bins' (any form) appears {hits}×" in e for e in quality.evidence)


def test_the_keyword_is_matched_in_the_language_of_the_page():
    report = analyze(
        load("portuguese_article"),
        "https://hortanavaranda.example/compostagem-apartamento/",
        target="minhocario-brasil.example",
        keyword="composteira doméstica",
    )
    relevance = report.factor("relevance")
    # Portuguese stems: "composteiras" is "composteira", "domésticas" is "doméstica".
    counts = next(e for e in relevance.evidence if e.startswith("in main text (any form): "))
    assert "composteira ×6" in counts and "doméstica ×2" in counts
    quality = report.factor("content_quality")
    assert any("no reading-ease formula for language 'pt'" in e for e in quality.evidence)


# --- evidence leads with the reason -----------------------------------------------------------


def test_a_green_verdict_leads_with_its_strength_and_lists_the_weakness_after():
    html = load("brand_anchor")
    report = analyze(html, "http://theremotedesk.com/four-day-week-planning/", target="getplanly.com")
    trust = report.factor("trust")
    assert trust.verdict == "good" and trust.score < 100
    assert trust.evidence[0].startswith("trustworthy: ")
    assert "plain HTTP" not in trust.evidence[0]
    assert "served over plain HTTP" in trust.evidence[1:]


def test_a_red_verdict_leads_with_the_heaviest_reason():
    report = analyze(load("link_directory"), DIRECTORY_URL, target=DIRECTORY_TARGET)
    for f in report.factors:
        if f.verdict == "bad":
            assert not f.evidence[0].startswith(("trustworthy", "no spam-niche", "substantial")), f


# --- affiliate disclosures --------------------------------------------------------------------


def test_an_affiliate_disclosure_in_the_article_asks_for_rel_sponsored():
    html = load("affiliate_box")
    url = "https://morninggrind.example/best-pour-over-kettles/"
    report = analyze(html, url, target="stagline-kettles.example")
    rel = report.factor("rel")
    assert rel.verdict == "bad"
    assert rel.evidence[0].startswith("affiliate link without rel=sponsored")
    assert "affiliate link without rel=sponsored" in report.risk.flags
    assert report.risk.level == "medium"
    sponsored = html.replace('href="https://www.stagline-kettles.example/pro-electric"', 'rel="sponsored" href="https://www.stagline-kettles.example/pro-electric"')
    rel = analyze(sponsored, url, target="stagline-kettles.example").factor("rel")
    assert rel.verdict == "caution" and rel.evidence[0].startswith("affiliate link correctly qualified")


def test_an_affiliate_box_without_a_disclosure_sentence_is_seen_by_its_wording():
    html = load("affiliate_box").replace(
        '<p class="disclosure-note"><em>Morning Grind is reader-supported. When you buy through links on our site, we may earn an affiliate commission.</em></p>',
        "",
    )
    report = analyze(html, "https://morninggrind.example/best-pour-over-kettles/", target="stagline-kettles.example")
    assert "'available from amazon'" in report.factor("rel").evidence[1]


def test_indexability_leads_with_what_keeps_the_page_out_of_the_index():
    from bot.analysis import PageContext, RobotsResult

    url = "https://theremotedesk.com/four-day-week-planning/"
    ctx = PageContext(final_url=url, status=200, robots=RobotsResult(allowed=False, reason="Disallow: /four-day"))
    f = analyze(load("brand_anchor"), url, target="getplanly.com", context=ctx).factor("indexability")
    assert f.verdict == "bad"
    assert f.evidence[0].startswith("robots.txt blocks Googlebot")
    assert "HTTP 200" in f.evidence


def test_a_sitewide_amazon_associate_footer_does_not_make_a_guest_posts_link_an_affiliate_link():
    html = (
        load("affiliate_box")
        .replace(
            '<p class="disclosure-note"><em>Morning Grind is reader-supported. When you buy through links on our site, we may earn an affiliate commission.</em></p>',
            "",
        )
        .replace("Available from Amazon and direct from the maker.", "Sold direct by the maker.")
        .replace(
            "<p>© 2026 Morning Grind</p>",
            '<p class="disclaimer">As an Amazon Associate we earn from qualifying purchases.</p><p>© 2026 Morning Grind</p>',
        )
    )
    report = analyze(html, "https://morninggrind.example/best-pour-over-kettles/", target="stagline-kettles.example")
    assert report.factor("rel").verdict == "good"


def test_an_affiliate_disclosure_note_counts_even_when_read_as_boilerplate():
    # A disclosure note may be left out of the article's text (it is not the article); the rel
    # factor still reads it, from the page's disclosure notes.
    html = load("affiliate_box").replace("Available from Amazon and direct from the maker.", "Sold direct by the maker.")
    html = html.replace('<p class="disclosure-note">', '<div class="affiliate-disclosure"><p>').replace(
        "affiliate commission.</em></p>", "affiliate commission.</em></p></div>"
    )
    report = analyze(html, "https://morninggrind.example/best-pour-over-kettles/", target="stagline-kettles.example")
    rel = report.factor("rel")
    assert rel.verdict == "bad"
    assert "'an affiliate commission' in" in rel.evidence[1]


def test_relevance_leads_with_the_part_that_decides_its_verdict():
    from bot.analysis import PageContext

    url = "https://gardening-weekly.example/blog/how-to-start-composting"
    off_topic = PageContext(final_url=url, status=200, target_title="Cheap flights to Lisbon", target_description="Book flights and hotels")
    f = analyze(_sample(), url, target="compost-supplies.example", keyword="compost bins", context=off_topic).factor("relevance")
    assert f.verdict != "good"
    assert f.evidence[0].startswith("the page shares few terms with the target page 'Cheap flights to Lisbon'")
    assert f.evidence[1].startswith("the page is about 'compost bins'")
    on_topic = PageContext(final_url=url, status=200, target_title="Compost bins for small gardens", target_description="")
    f = analyze(_sample(), url, target="compost-supplies.example", keyword="compost bins", context=on_topic).factor("relevance")
    assert f.verdict == "good"
    assert f.evidence[0].startswith(("the page is about", "the page covers the target page's topic"))
    assert any("(compost, bins, small, gardens)" in e or "compost" in e for e in f.evidence)
