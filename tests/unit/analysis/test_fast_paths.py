"""The fast paths of the analysis give the same answers as the plain way of computing them.

Each speed-up (C-level string passes instead of Python loops, narrower caches, a region state
machine instead of mark lists) is checked against a straightforward reference on generated input.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.analysis import analyze
from bot.analysis.anchors import classify_anchor
from bot.analysis.content_names import DROP_RE, NEGATIVE_RE, POSITIVE_RE, class_weight, is_drop_name
from bot.analysis.factors.trust import _phrases_in
from bot.analysis.hiding import _strip_comments
from bot.analysis.lexicon import LINK_SELLING_PHRASES
from bot.analysis.text_stats import _PUNCT, _syllables, word_count

from .pages import article_html, page

URL = "https://www.runblog.co.uk/2024/shoes/"
TARGET = "https://acme-shoes.com/guide"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="/*ab{} :;\n", max_size=60))
def test_comment_stripping_matches_the_regex(css):
    assert _strip_comments(css) == re.sub(r"/\*.*?\*/", " ", css, flags=re.S)


def _syllables_reference(low: str) -> int:
    raw = low.encode("utf-8")
    marked = raw.translate(bytes.maketrans(b"eiouy", b"aaaaa"))
    while b"aa" in marked:
        marked = marked.replace(b"aa", b"a")
    silent = raw.count(b"e ") + raw.count(b"e.") + raw.count(b"e,")
    short_e = sum(raw.count(b" %s " % w) for w in (b"the", b"he", b"she", b"be", b"we", b"me"))
    return marked.count(b"a") - silent + short_e


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aeiouybcdst .,éü—", max_size=80))
def test_syllable_count_matches_the_vowel_group_loop(text):
    low = text.lower()
    assert _syllables(low) == _syllables_reference(low)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab .,—|-«\n\t", max_size=60))
def test_word_count_ignores_exactly_the_stray_punctuation_tokens(text):
    tokens = text.split()
    assert word_count(text) == len(tokens) - sum(1 for t in tokens if len(t) == 1 and t in _PUNCT)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["write", "for", "us", "buy", "links", "guest", "post", "price", "list", "xyz"]), max_size=12))
def test_link_selling_phrases_match_the_whole_vocabulary_check(words):
    text = " ".join(words)
    vocabulary = set(text.split())
    expected = [p for p in LINK_SELLING_PHRASES if all(w in vocabulary for w in p.split()) and p in text]
    assert _phrases_in(text, LINK_SELLING_PHRASES) == expected


def test_class_name_patterns_agree_with_case_insensitive_search():
    labels = [
        "Site-Footer main", "entry-CONTENT", "RelatedPosts", "sc-1kx5x4d-0 gUuXtr", "article__body", "AD-slot top",
        "Kommentar-Bereich Sidebar", "İnfo-Box", "ſhare-bar", "страница content", "",
    ]
    for label in labels:
        assert is_drop_name(label) == (DROP_RE.search(label) is not None), label


def test_class_weight_reads_non_ascii_names_case_insensitively():
    html = "<div class='SIDEBAR-Ünterseite'><p>x</p></div><div class='Main-Ärticle'><p>y</p></div>"
    from selectolax.lexbor import LexborHTMLParser

    side, main = LexborHTMLParser(html).css("div")
    assert NEGATIVE_RE.search("SIDEBAR-Ünterseite") and class_weight(side) == -25.0
    assert POSITIVE_RE.search("Main-Ärticle") and class_weight(main) == 25.0


def test_anchor_classes_depend_on_the_brand_of_each_link():
    # The anchor-text cache is shared across sites: the brand check must still be per link.
    assert classify_anchor("Acme Shoes", is_image=False, brand="acme-shoes", keyword="shoes") == "branded"
    assert classify_anchor("Acme Shoes", is_image=False, brand="other-site", keyword="shoes") == "partial_match"
    assert classify_anchor("shoes", is_image=False, brand="shoes", keyword="shoes") == "branded"
    assert classify_anchor("shoes", is_image=False, brand="other-site", keyword="shoes") == "exact_match"
    assert classify_anchor("best shoes by acme-shoes", is_image=False, brand="acme-shoes", keyword="best shoes") == "branded"


def _placement(html: str) -> str:
    report = analyze(html, URL, target=TARGET)
    assert len(report.target_links) == 1, report.target_links
    return report.target_links[0].placement


def test_placement_inside_boilerplate_of_the_article():
    link = f'<a href="{TARGET}">acme</a>'
    # A share bar (dropped from the text) inside the article: not content; its own region if named.
    assert _placement(page(article=article_html(f'<div class="share-buttons">{link}</div>'))) == "other"
    assert _placement(page(article=article_html(f'<aside class="related">{link}</aside>'))) == "sidebar"
    # Outermost region inside the drop block wins; comments win over everything.
    nested = f'<div class="share-tools"><div class="sidebar"><nav>{link}</nav></div></div>'
    assert _placement(page(article=article_html(nested))) == "sidebar"
    comments = f'<div class="share-tools"><nav><div class="comment-body">{link}</div></nav></div>'
    assert _placement(page(article=article_html(comments))) == "comments"


def test_hidden_ancestor_and_region_are_both_reported():
    block = f'<footer><div style="display:none"><nav><a href="{TARGET}">acme</a></nav></div></footer>'
    report = analyze(page(after=block), URL, target=TARGET)
    (link,) = report.target_links
    assert link.placement == "footer"
    assert link.hidden
    placement = next(f for f in report.factors if f.id == "placement")
    assert any("display:none" in e for e in placement.evidence)


def test_link_selling_hrefs_are_still_found_behind_the_substring_gate():
    for path in ("/write-for-us/", "/guestpost", "/submit-an-article", "/buy-links?x=1"):
        html = page(after=f'<div class="promo"><a href="{path}">Work with us</a></div>')
        trust = next(f for f in analyze(html, URL).factors if f.id == "trust")
        assert any(f"link to https://www.runblog.co.uk{path}" in e for e in trust.evidence), (path, trust.evidence)
    trust = next(f for f in analyze(page(), URL).factors if f.id == "trust")
    assert not any("link-selling" in e for e in trust.evidence)
