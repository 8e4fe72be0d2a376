"""Factors on synthetic pages: rel and disclosure, indexability, trust, outbound links, targets."""

from bot.analysis import PageContext, RobotsResult, analyze

from .pages import article_html, link_paragraph, page

URL = "https://runblog.co.uk/shoes/"
TARGET = "https://acme-shoes.com/guide"


def with_link(rel: str = "", *, before_article: str = "", anchor: str = "a season-long cushioning test", **kw) -> str:
    return page(article=article_html(link_paragraph(TARGET, anchor, rel=rel)).replace("<h1>", before_article + "<h1>", 1), **kw)


def factor(report, fid):
    return report.factor(fid)


# --- rel -------------------------------------------------------------------------------------


def test_rel_dofollow_nofollow_ugc_sponsored():
    assert factor(analyze(with_link(), URL, target=TARGET), "rel").verdict == "good"
    for rel in ("nofollow", "ugc", "sponsored", "nofollow noopener"):
        f = factor(analyze(with_link(rel), URL, target=TARGET), "rel")
        assert f.verdict == "caution", rel
    assert factor(analyze(with_link("noopener noreferrer"), URL, target=TARGET), "rel").verdict == "good"


def test_sponsored_disclosure_with_dofollow_is_bad_and_high_risk():
    disclosure = "<p><em>This post was sponsored by Acme Shoes.</em></p>"
    report = analyze(with_link(before_article=disclosure), URL, target=TARGET)
    rel = factor(report, "rel")
    assert rel.verdict == "bad"
    assert any("sponsored" in e for e in rel.evidence)
    assert "Google link-spam policy: paid link without rel=sponsored" in report.risk.flags
    assert report.risk.level == "high"


def test_sponsored_disclosure_with_rel_sponsored_is_honest_caution():
    disclosure = "<p><em>Sponsored post</em></p>"
    report = analyze(with_link("sponsored", before_article=disclosure), URL, target=TARGET)
    assert factor(report, "rel").verdict == "caution"
    assert not any("link-spam" in f for f in report.risk.flags)


def test_disclosure_in_title_and_disclosure_block():
    report = analyze(with_link(title="Advertorial: the best shoes"), URL, target=TARGET)
    assert factor(report, "rel").verdict == "bad"
    report = analyze(with_link(after='<div class="disclosure">Paid partnership with Acme.</div>'), URL, target=TARGET)
    assert factor(report, "rel").verdict == "bad"


def test_partnership_words_deep_in_article_body_do_not_count_as_disclosure():
    mid = "<p>The museum, in partnership with the city council, opened a running track in the park last spring.</p>"
    for html in (
        page(article=article_html(link_paragraph(TARGET, "a test")).replace("<p>Drop", mid + "<p>Drop")),
        page(article=article_html(link_paragraph(TARGET, "a test")).replace("<h1>", "<h1>" + mid + "</h1><h2>")),
    ):
        assert factor(analyze(html, URL, target=TARGET), "rel").verdict == "good"


def test_comma_separated_rel_is_read_as_separate_tokens():
    # Google reads "ugc,nofollow" as two values; a comma list is no followed link.
    for rel in ("nofollow,sponsored", "sponsored, nofollow", "UGC,NoFollow"):
        report = analyze(with_link(rel), URL, target=TARGET)
        assert set(report.target_links[0].rel) >= {"nofollow"}, rel
        assert factor(report, "rel").verdict == "caution", rel
    disclosed = analyze(with_link("sponsored,nofollow", before_article="<p><em>Sponsored post.</em></p>"), URL, target=TARGET)
    assert factor(disclosed, "rel").verdict == "caution"
    assert not any("link-spam" in f for f in disclosed.risk.flags)


def _mid_article(paragraph: str, rel: str = "") -> str:
    html = page(article=article_html(link_paragraph(TARGET, "a season-long cushioning test", rel=rel)))
    return html.replace("<p>Drop", paragraph + "<p>Drop", 1)


def test_labelled_or_self_referring_disclosure_counts_anywhere_in_the_article():
    for paragraph in (
        "<p><strong>Disclosure: this is a sponsored post written with Acme Shoes.</strong></p>",
        "<p>Disclaimer: paid partnership with a shoe brand.</p>",
        "<p>Note that this article was sponsored by a shoe brand, which chose the models.</p>",
    ):
        rel = factor(analyze(_mid_article(paragraph), URL, target=TARGET), "rel")
        assert rel.verdict == "bad", paragraph
        assert any("discloses payment" in e for e in rel.evidence)


def test_disclaimer_block_outside_the_article_counts():
    report = analyze(with_link(before='<div class="post-disclaimer">This is a paid post.</div>'), URL, target=TARGET)
    assert factor(report, "rel").verdict == "bad"


def test_talk_about_sponsored_posts_deep_in_an_article_is_no_disclosure():
    paragraph = "<p>Many shoe brands now pay for a sponsored post on running blogs, and readers notice it.</p>"
    assert factor(analyze(_mid_article(paragraph), URL, target=TARGET), "rel").verdict == "good"


def test_robots_none_with_spaces_is_a_page_wide_nofollow():
    report = analyze(with_link(head='<meta name="robots" content="index, none">'), URL, target=TARGET)
    rel = factor(report, "rel")
    assert rel.verdict == "caution"
    assert any("meta robots nofollow" in e for e in rel.evidence)


# --- targets and link type --------------------------------------------------------------------


def test_target_as_url_vs_domain():
    other_page = '<p>Also see <a href="https://shop.acme-shoes.com/sale">the sale</a> for discounts on older models.</p>'
    html = page(article=article_html(link_paragraph(TARGET, "a test") + other_page))
    assert len(analyze(html, URL, target=TARGET).target_links) == 1
    assert len(analyze(html, URL, target="https://www.acme-shoes.com/guide/?utm_source=x").target_links) == 1
    assert len(analyze(html, URL, target="acme-shoes.com").target_links) == 2
    assert len(analyze(html, URL, target="shop.acme-shoes.com").target_links) == 1


def test_target_not_found_is_said_plainly():
    report = analyze(page(), URL, target="nowhere.example")
    assert report.target_links == ()
    lt = factor(report, "link_type")
    assert lt.verdict == "bad"
    assert "target not found" in lt.evidence[0]
    for fid in ("placement", "anchor_text", "rel"):
        assert factor(report, fid).verdict == "unknown"
    assert "target link not found on the page" in report.risk.flags


def test_no_target_means_link_factors_unknown():
    report = analyze(page(), URL)
    for fid in ("placement", "anchor_text", "rel", "link_type"):
        assert factor(report, fid).verdict == "unknown"
        assert "no target given" in factor(report, fid).evidence[0]


def test_internal_link_is_not_a_backlink():
    html = page(article=article_html(link_paragraph("https://www.runblog.co.uk/gear/", "our gear guide")))
    report = analyze(html, "https://blog.runblog.co.uk/post", target="runblog.co.uk")
    lt = factor(report, "link_type")
    assert lt.verdict == "bad"
    assert "not a backlink" in lt.evidence[0]
    assert factor(analyze(with_link(), URL, target=TARGET), "link_type").verdict == "good"


# --- placement and anchor ---------------------------------------------------------------------


def test_placement_verdicts():
    assert factor(analyze(with_link(), URL, target=TARGET), "placement").verdict == "good"
    nav = page(before=f'<nav><a href="{TARGET}">Acme</a></nav>')
    assert factor(analyze(nav, URL, target=TARGET), "placement").verdict == "caution"
    foot = page(after=f'<footer><a href="{TARGET}">Acme</a></footer>')
    assert factor(analyze(foot, URL, target=TARGET), "placement").verdict == "bad"
    hidden = page(article=article_html(f'<div style="display:none"><a href="{TARGET}">Acme</a></div>'))
    report = analyze(hidden, URL, target=TARGET)
    assert factor(report, "placement").verdict == "bad"
    assert "target link hidden" in report.risk.flags
    assert report.risk.level == "high"
    assert any("inline style display:none" in e for e in factor(report, "placement").evidence)
    by_rule = page(head="<style>.sr-links{display:none}</style>", article=article_html(f'<p class="sr-links"><a href="{TARGET}">Acme</a></p>'))
    evidence = factor(analyze(by_rule, URL, target=TARGET), "placement").evidence
    assert any("display:none via <style> rule '.sr-links'" in e for e in evidence), evidence


def test_anchor_verdicts():
    kw = "best running shoes"
    cases = {"best running shoes": "bad", "click here": "caution", "Acme Shoes": "good", "acme-shoes.com": "caution"}
    for anchor, verdict in cases.items():
        report = analyze(with_link(anchor=anchor), URL, target=TARGET, keyword=kw)
        assert factor(report, "anchor_text").verdict == verdict, anchor


def test_an_icon_link_does_not_hide_a_sitewide_exact_match_link():
    kw = "best running shoes"
    icon = f'<p>Shop: <a href="{TARGET}"><i class="icon-cart"></i></a></p>'
    footer = f'<footer class="site-footer"><a href="{TARGET}">Best Running Shoes</a></footer>'
    report = analyze(page(article=article_html(icon), after=footer), URL, target=TARGET, keyword=kw)
    assert factor(report, "anchor_text").verdict == "bad"
    assert "exact-match anchor in a sitewide region (footer/sidebar/navigation)" in report.risk.flags
    assert "empty anchor" in report.risk.flags
    assert report.risk.level == "high"
    alone = analyze(page(article=article_html(icon)), URL, target=TARGET, keyword=kw)
    assert alone.risk.flags.count("empty anchor") == 1
    assert not any("exact-match" in f for f in alone.risk.flags)


# --- indexability -----------------------------------------------------------------------------


def test_meta_robots_noindex_and_googlebot_meta():
    for meta in ('<meta name="robots" content="noindex, follow">', '<meta name="GoogleBot" content="none">'):
        report = analyze(with_link(head=meta), URL, target=TARGET)
        f = factor(report, "indexability")
        assert f.verdict == "bad", meta
        assert "page is noindex" in report.risk.flags
        assert report.risk.level == "high"
    report = analyze(with_link(head='<meta name="bingbot" content="noindex">'), URL, target=TARGET)
    assert factor(report, "indexability").verdict == "good"


def test_x_robots_tag_header_including_googlebot_prefix():
    ctx = PageContext(final_url=URL, status=200, headers={"X-Robots-Tag": "googlebot: noindex"})
    assert factor(analyze(with_link(), URL, target=TARGET, context=ctx), "indexability").verdict == "bad"
    ctx = PageContext(final_url=URL, status=200, headers=[("x-robots-tag", "otherbot: noindex"), ("X-Robots-Tag", "max-snippet: 20")])
    assert factor(analyze(with_link(), URL, target=TARGET, context=ctx), "indexability").verdict == "good"
    ctx = PageContext(final_url=URL, status=200, headers={"X-Robots-Tag": "noindex"})
    assert factor(analyze(with_link(), URL, target=TARGET, context=ctx), "indexability").verdict == "bad"


def test_canonical_elsewhere_is_caution():
    head = '<link rel="canonical" href="https://other-site.com/original">'
    f = factor(analyze(with_link(head=head), URL, target=TARGET), "indexability")
    assert f.verdict == "caution"
    assert any("canonical points elsewhere" in e for e in f.evidence)
    same = '<link rel="canonical" href="https://www.runblog.co.uk/shoes?utm_source=feed">'
    assert factor(analyze(with_link(head=same), URL, target=TARGET), "indexability").verdict == "good"


def test_robots_txt_and_status_from_context():
    blocked = PageContext(final_url=URL, status=200, robots=RobotsResult(allowed=False, reason="Disallow: /shoes/"))
    report = analyze(with_link(), URL, target=TARGET, context=blocked)
    assert factor(report, "indexability").verdict == "bad"
    assert any("Disallow: /shoes/" in e for e in factor(report, "indexability").evidence)
    gone = PageContext(final_url=URL, status=404, robots=RobotsResult(allowed=True))
    assert factor(analyze(with_link(), URL, target=TARGET, context=gone), "indexability").verdict == "bad"
    ok = PageContext(final_url=URL, status=200, robots=RobotsResult(allowed=True))
    report = analyze(with_link(), URL, target=TARGET, context=ok)
    assert factor(report, "indexability").verdict == "good"
    assert report.status == 200
    assert not any("robots.txt" in s for s in report.skipped)


def test_offline_mode_lists_skipped_checks():
    report = analyze(with_link(), URL, target=TARGET)
    assert report.status is None
    assert "robots.txt (offline)" in report.skipped
    assert "HTTP status (offline)" in report.skipped
    assert any("offline" in e for e in factor(report, "indexability").evidence)


# --- trust ------------------------------------------------------------------------------------


def test_trust_footprints_and_identity_signals():
    clean = factor(analyze(with_link(), URL, target=TARGET), "trust")
    assert clean.verdict == "good"
    selling = page(after='<div class="promo"><h3>Write for us</h3><p>Guest posts accepted. DA 50+ blog, see our price list.</p></div>')
    f = factor(analyze(selling, URL), "trust")
    assert f.score < clean.score
    assert any("write for us" in e for e in f.evidence)
    assert any("DA 50+" in e for e in f.evidence)
    report = analyze(selling, URL)
    assert "link-selling footprints on the page" in report.risk.flags


def test_trust_domain_shape_tld_and_http():
    f = factor(analyze(page(), "http://best-cheap-running-shoes-reviews-2024.xyz/post"), "trust")
    text = " ".join(f.evidence)
    assert "plain HTTP" in text and ".xyz" in text and "hyphens" in text and "digits" in text
    assert f.verdict == "bad"


def test_missing_about_contact_author():
    bare = "<html><head><title>t</title></head><body><article>" + article_html().replace("By Jane Runner", "") + "</article></body></html>"
    f = factor(analyze(bare, URL), "trust")
    assert any("no about page, contact or author" in e for e in f.evidence)


# --- outbound links ---------------------------------------------------------------------------


def test_spam_niche_outbound_links():
    spam = (
        '<p>Unrelated: <a href="https://best-online-casino.example/bonus">online casino bonus</a> and '
        '<a href="https://pills.example/buy-viagra">cheap pills</a>.</p>'
    )
    report = analyze(page(article=article_html(spam)), URL)
    f = factor(report, "outbound_links")
    assert f.verdict == "bad"
    assert any("gambling" in e for e in f.evidence) and any("pharma" in e for e in f.evidence)
    assert "spam-niche outbound links in the content" in report.risk.flags
    clean = factor(analyze(with_link(), URL), "outbound_links")
    assert clean.verdict == "good"


def test_spam_niche_words_with_innocent_senses_do_not_trigger():
    innocent = '<p>Read about <a href="https://bank.example/student-loans">student loans</a> and <a href="https://x.example/">time slots</a>.</p>'
    assert factor(analyze(page(article=article_html(innocent)), URL), "outbound_links").verdict == "good"



def test_spam_niche_words_need_their_spam_sense():
    innocent = (
        '<p>Compare <a href="https://cars.example.org/ford-escort-review">the Ford Escort</a>, hotels in '
        '<a href="https://travel.example.org/sydney-cbd-hotels">Sydney CBD</a> and '
        '<a href="https://law.example.org/aiding-and-abetting">aiding and abetting</a>.</p>'
    )
    assert factor(analyze(page(article=article_html(innocent)), URL), "outbound_links").verdict == "good"
    for href, niche in (
        ("https://vip.example/escort-services-london", "adult"),
        ("https://shop.example/cbd-oil-drops", "cbd"),
        ("https://sportsbetting.example/", "gambling"),
    ):
        spam = f'<p>Unrelated: <a href="{href}">a link</a>.</p>'
        f = factor(analyze(page(article=article_html(spam)), URL), "outbound_links")
        assert f.verdict == "bad" and any(niche in e for e in f.evidence), href

def test_link_farm_ratio():
    many = "".join(f'<p><a href="https://site{i}.example/">resource number {i}</a></p>' for i in range(40))
    f = factor(analyze(page(article=article_html(many)), URL), "outbound_links")
    assert f.verdict != "good"
    assert any("distinct external sites" in e or "per 100 words" in e for e in f.evidence)


# --- relevance and content quality ------------------------------------------------------------


def test_relevance_with_keyword_and_target_info():
    f = factor(analyze(with_link(), URL, keyword="running shoes"), "relevance")
    assert f.verdict == "good"
    assert any("in title" in e and "running" in e for e in f.evidence)
    off = factor(analyze(with_link(), URL, keyword="mortgage rates"), "relevance")
    assert off.verdict == "bad"
    ctx = PageContext(final_url=URL, status=200, target_title="Acme running shoes", target_description="Trail and road running shoes with cushioning")
    assert factor(analyze(with_link(), URL, context=ctx), "relevance").verdict == "good"
    assert factor(analyze(with_link(), URL), "relevance").verdict == "unknown"


def test_content_quality_thin_and_stuffed():
    good = factor(analyze(with_link(), URL), "content_quality")
    assert good.verdict in ("good", "caution")
    thin = page(article="<h1>Shoes</h1><p>Buy shoes here. They are good shoes.</p>")
    f = factor(analyze(thin, URL), "content_quality")
    assert f.verdict == "bad"
    assert any("thin" in e for e in f.evidence)
    stuffed_para = "<p>" + " ".join(["Best running shoes are the best running shoes."] * 40) + "</p>"
    f = factor(analyze(page(article=article_html(stuffed_para)), URL, keyword="best running shoes"), "content_quality")
    assert any("stuffing" in e for e in f.evidence) or any("repeated" in e for e in f.evidence)
    assert f.score < good.score


def test_traffic_unknown_by_default():
    f = factor(analyze(page(), URL), "traffic")
    assert f.verdict == "unknown"
    assert "cannot see traffic" in f.evidence[0]
