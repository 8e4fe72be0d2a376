"""The watch's pure rules: observations from real analyses, comparisons, the due time."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.analysis import PageContext, RobotsResult, analyze
from bot.storage.guild_settings import GuildSettingsError, validate_setting
from bot.watch import rules
from bot.watch.rules import Observation, compare, content_fingerprint, content_similarity, next_due
from tests.e2e.pages import _ARTICLE_BODY, article

URL = "https://blog.example/post"
TARGET = "compost-supplies.test"
LINK = '<a href="https://www.compost-supplies.test/bins">compost bin guide</a>'


def observe(html: str, *, headers=(), robots_allowed: bool | None = True, at: float = 0.0, status: int = 200,
            final_url: str = URL) -> Observation:
    context = PageContext(final_url=final_url, status=status, headers=headers,
                          robots=RobotsResult(allowed=robots_allowed, reason="test"))
    return rules.observation_from_report(analyze(html, URL, target=TARGET, context=context), at)


def kinds(changes) -> list[str]:
    return [c.kind for c in changes]


def test_observation_reads_the_link_and_indexability():
    obs = observe(article(LINK))
    assert (obs.found, obs.rel, obs.placement, obs.anchor) == (True, "dofollow", "content", "compost bin guide")
    assert obs.noindex is False and obs.robots_blocked is False and obs.canonical is None
    assert obs.http_status == 200 and obs.fingerprint
    noindex = observe(article(LINK).replace("<head>", '<head><meta name="robots" content="noindex">'))
    assert noindex.noindex is True
    header = observe(article(LINK), headers=(("X-Robots-Tag", "noindex"),))
    assert header.noindex is True
    canonical = observe(article(LINK).replace("<head>", '<head><link rel="canonical" href="https://other.example/x">'))
    assert canonical.canonical == "https://other.example/x"
    assert observe(article(LINK), robots_allowed=False).robots_blocked is True
    missing = observe(article("nothing"))
    assert missing.found is False and missing.rel is None


def test_nofollow_footer_lost_and_back():
    base = observe(article(LINK))
    nofollow = observe(article(LINK.replace("<a ", '<a rel="nofollow" ')))
    changes = compare(base, nofollow, 0)
    assert kinds(changes) == ["rel_changed"]
    assert (changes[0].before, changes[0].after) == ("dofollow", "nofollow")
    footer = observe(article("our notes", footer_link=LINK.replace("<a ", '<a rel="nofollow" ')))
    assert kinds(compare(nofollow, footer, 0)) == ["placement_changed"]
    gone = observe(article("our notes"))
    assert kinds(compare(footer, gone, 0)) == ["link_lost"]
    assert kinds(compare(gone, base, 0)) == ["link_back"]
    assert compare(base, observe(article(LINK), at=5.0), 0) == []


def test_anchor_case_and_spacing_do_not_count():
    base = observe(article(LINK))
    assert compare(base, observe(article(LINK.replace("compost bin guide", "Compost  BIN guide"))), 0) == []
    changed = compare(base, observe(article(LINK.replace("compost bin guide", "cheap bins"))), 0)
    assert kinds(changed) == ["anchor_changed"]


def test_indexability_http_and_redirect_changes():
    base = observe(article(LINK))
    html = article(LINK)
    noindex = compare(base, observe(html.replace("<head>", '<head><meta name="robots" content="noindex">')), 0)
    assert kinds(noindex) == ["noindex"] and '<meta name="robots" content="noindex">' in noindex[0].evidence
    header = compare(base, observe(html, headers=(("X-Robots-Tag", "googlebot: noindex"),)), 0)
    assert kinds(header) == ["noindex"] and "X-Robots-Tag: googlebot: noindex" in header[0].evidence
    assert kinds(compare(base, observe(html, robots_allowed=False), 0)) == ["robots_disallowed"]
    moved = observe(html.replace("<head>", '<head><link rel="canonical" href="https://other.example/x">'))
    assert kinds(compare(base, moved, 0)) == ["canonical_moved"]
    assert "http_error" in kinds(compare(base, observe(html, status=404), 0))
    redirected = compare(base, observe(html, final_url="https://elsewhere.example/"), 0)
    assert "redirected" in kinds(redirected)
    # A trailing slash or a fragment is the same page.
    assert compare(replace(base, final_url=URL + "/"), base, 0) == []


def test_unreachable_only_after_two_failures_in_a_row():
    base = observe(article(LINK))
    failed = rules.failed_observation(10.0, "timeout", "The site took too long to answer.")
    assert compare(base, failed, 0) == []
    second = compare(base, failed, 1)
    assert kinds(second) == ["unreachable"] and second[0].after == "The site took too long to answer."
    assert compare(base, failed, 2) == []  # said once
    assert compare(base, observe(article(LINK)), 1) == []  # one failure, then fine: nothing to say
    assert kinds(compare(base, observe(article(LINK)), 2)) == ["reachable"]


def test_content_similarity_threshold():
    text = " ".join(f"word{i} sentence about compost number {i}." for i in range(200))
    edited = text.replace("word5 ", "changed ").replace("word50 ", "other ")
    rewritten = " ".join(f"totally new {i} material on tumblers." for i in range(200))
    same = content_similarity(content_fingerprint(text), content_fingerprint(edited))
    assert same is not None and same > 0.9
    different = content_similarity(content_fingerprint(text), content_fingerprint(rewritten))
    assert different is not None and different < rules.REWRITE_THRESHOLD
    assert content_similarity("", content_fingerprint(text)) is None
    base = observe(article(LINK))
    other = observe(article(LINK).replace(_ARTICLE_BODY, rewritten))
    assert "content_rewritten" in kinds(compare(base, other, 0))


def test_next_due_jitter_comes_from_the_injected_random():
    assert next_due(1000.0, 168, lambda: 0.5) == 1000.0 + 168 * 3600
    low, high = next_due(0.0, 24, lambda: 0.0), next_due(0.0, 24, lambda: 0.999999)
    assert low == 24 * 3600 * 0.9 and abs(high - 24 * 3600 * 1.1) < 1
    assert next_due(0.0, 168, lambda: 0.5, failed=True) == rules.RETRY_SECONDS


def test_guild_watch_settings_are_bounded():
    assert validate_setting("watch_interval_hours", 24) == 24.0
    for bad in (23.9, 721, "a week"):
        with pytest.raises(GuildSettingsError, match="watch_interval_hours"):
            validate_setting("watch_interval_hours", bad)
    assert validate_setting("watch_channel_id", 123) == 123
