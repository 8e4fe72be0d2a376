"""The JSON contract of Report.to_dict(), and Report.from_dict() round trips."""

import json

import pytest

from bot.analysis import FACTOR_IDS, PageContext, Report, RobotsResult, analyze

from .pages import article_html, link_paragraph, page

LINK_KEYS = {"href", "anchor_text", "anchor_class", "rel", "placement", "internal", "hidden"}
TOP_KEYS = {"url", "final_url", "status", "title", "content", "links", "target_links", "factors", "risk"}
EXTRA_KEYS = {"skipped", "flags"}
ORDER = ["relevance", "content_quality", "placement", "anchor_text", "rel", "outbound_links", "indexability", "trust", "traffic", "link_type"]
ANCHOR_CLASSES = {"branded", "naked_url", "generic", "exact_match", "partial_match", "descriptive", "image", "empty"}
PLACEMENTS = {"content", "navigation", "header", "footer", "sidebar", "comments", "other"}


def assert_contract(d: dict) -> None:
    assert set(d) == TOP_KEYS | EXTRA_KEYS
    assert isinstance(d["url"], str) and isinstance(d["final_url"], str) and isinstance(d["title"], str)
    assert d["status"] is None or isinstance(d["status"], int)
    assert set(d["content"]) == {"text", "word_count"}
    assert isinstance(d["content"]["text"], str) and isinstance(d["content"]["word_count"], int)
    for key in ("links", "target_links"):
        assert isinstance(d[key], list)
        for link in d[key]:
            assert set(link) == LINK_KEYS
            assert isinstance(link["href"], str) and link["href"].startswith(("http://", "https://"))
            assert isinstance(link["anchor_text"], str)
            assert link["anchor_class"] in ANCHOR_CLASSES
            assert isinstance(link["rel"], list) and all(isinstance(r, str) and r == r.lower() for r in link["rel"])
            assert link["placement"] in PLACEMENTS
            assert isinstance(link["internal"], bool) and isinstance(link["hidden"], bool)
    assert [f["id"] for f in d["factors"]] == ORDER
    for f in d["factors"]:
        assert set(f) == {"id", "verdict", "score", "evidence"}
        assert f["verdict"] in ("good", "caution", "bad", "unknown")
        assert isinstance(f["score"], int) and 0 <= f["score"] <= 100
        assert isinstance(f["evidence"], list) and all(isinstance(e, str) for e in f["evidence"])
        if f["verdict"] == "good":
            assert f["score"] >= 70
        elif f["verdict"] == "caution":
            assert 40 <= f["score"] < 70
        elif f["verdict"] == "bad":
            assert f["score"] < 40
    assert set(d["risk"]) == {"level", "score"}
    assert d["risk"]["level"] in ("low", "medium", "high")
    assert isinstance(d["risk"]["score"], int) and 0 <= d["risk"]["score"] <= 100
    assert all(isinstance(s, str) for s in d["skipped"]) and all(isinstance(s, str) for s in d["flags"])
    json.dumps(d)  # plain JSON types only


def sample_report(**kw) -> Report:
    html = page(article=article_html(link_paragraph("https://acme-shoes.com/guide", "a cushioning test")))
    return analyze(html, "https://runblog.co.uk/shoes/", target="acme-shoes.com", keyword="running shoes", **kw)


def test_factor_ids_constant_matches_contract_order():
    assert list(FACTOR_IDS) == ORDER


def test_to_dict_shape_offline_and_online():
    assert_contract(sample_report().to_dict())
    ctx = PageContext(
        final_url="https://runblog.co.uk/shoes/",
        status=200,
        headers={"Content-Type": "text/html"},
        robots=RobotsResult(allowed=True, reason="no rule matched"),
        target_title="Acme running shoes",
        target_description="Road and trail running shoes",
    )
    d = sample_report(context=ctx).to_dict()
    assert_contract(d)
    assert d["status"] == 200


def test_round_trip_through_json():
    report = sample_report()
    again = Report.from_dict(json.loads(json.dumps(report.to_dict())))
    assert again == report
    assert again.to_dict() == report.to_dict()
    assert again.factor("rel") == report.factor("rel")
    assert again.risk.flags == report.risk.flags


def test_factor_lookup():
    report = sample_report()
    assert report.factor("placement").id == "placement"
    with pytest.raises(KeyError, match="no factor 'nope'"):
        report.factor("nope")


def test_report_is_frozen():
    report = sample_report()
    with pytest.raises(AttributeError):
        report.title = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        report.links[0].href = "x"  # type: ignore[misc]


def test_from_dict_tolerates_missing_extras():
    d = sample_report().to_dict()
    del d["skipped"], d["flags"]
    again = Report.from_dict(d)
    assert again.skipped == () and again.risk.flags == ()
