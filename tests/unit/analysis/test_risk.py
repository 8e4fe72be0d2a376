"""Risk rules in isolation, and the two reference scenarios on whole pages."""

from bot.analysis import analyze
from bot.analysis import signals as sig
from bot.analysis.report import Factor
from bot.analysis.risk import assess, level_for

from .pages import article_html, link_paragraph, page


def f(fid: str, verdict: str, score: int) -> Factor:
    return Factor(fid, verdict, score, ())  # type: ignore[arg-type]


GOOD = [f(i, "good", 90) for i in ("relevance", "content_quality", "placement", "anchor_text", "rel", "outbound_links", "indexability", "trust", "link_type")]


def test_all_good_is_low_and_unknown_factors_do_not_count():
    risk = assess(GOOD + [f("traffic", "unknown", 0)], set())
    assert risk.level == "low"
    assert risk.score == 10
    assert risk.flags == ()


def test_one_bad_factor_is_not_averaged_away():
    factors = [x if x.id != "placement" else f("placement", "bad", 20) for x in GOOD]
    risk = assess(factors, set())
    assert risk.score >= 35
    assert risk.level == "medium"
    assert "target link in footer, sidebar or comments" in risk.flags


def test_hard_rules_force_high_and_name_their_reason():
    for signal, flag in (
        (sig.TARGET_HIDDEN, "target link hidden"),
        (sig.PAID_UNDISCLOSED, "Google link-spam policy: paid link without rel=sponsored"),
        (sig.NOINDEX, "page is noindex"),
        (sig.SPAM_NICHE_CONTENT, "spam-niche outbound links in the content"),
        (sig.SITEWIDE_EXACT, "exact-match anchor in a sitewide region (footer/sidebar/navigation)"),
    ):
        risk = assess(GOOD, {signal})
        assert risk.level == "high", signal
        assert flag in risk.flags


def test_soft_rules_force_medium():
    risk = assess(GOOD, {sig.EXACT_MATCH})
    assert risk.level == "medium"
    assert "exact-match anchor" in risk.flags


def test_levels():
    assert level_for(0) == "low" and level_for(34) == "low"
    assert level_for(35) == "medium" and level_for(64) == "medium"
    assert level_for(65) == "high" and level_for(100) == "high"


def test_clean_in_content_descriptive_link_on_decent_article_is_low():
    html = page(article=article_html(link_paragraph("https://acme-shoes.com/guide", "a season-long cushioning test")))
    report = analyze(html, "https://runblog.co.uk/shoes/", target="acme-shoes.com", keyword="running shoes")
    assert report.factor("placement").verdict == "good"
    assert report.factor("anchor_text").verdict == "good"
    assert report.risk.level == "low", (report.risk, [(x.id, x.verdict, x.score) for x in report.factors])


def test_footer_exact_match_link_is_high():
    html = page(after='<footer><a href="https://acme-shoes.com/">best running shoes</a></footer>')
    report = analyze(html, "https://runblog.co.uk/shoes/", target="acme-shoes.com", keyword="best running shoes")
    assert report.target_links[0].placement == "footer"
    assert report.target_links[0].anchor_class == "exact_match"
    assert report.factor("placement").verdict == "bad"
    assert report.factor("anchor_text").verdict == "bad"
    assert report.risk.level == "high"
    assert "exact-match anchor" in report.risk.flags
