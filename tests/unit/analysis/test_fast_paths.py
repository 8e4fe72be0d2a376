"""The fast paths of the analysis give the same answers as the plain way of computing them.

Each speed-up (C-level string passes instead of Python loops, narrower caches, a region state
machine instead of mark lists) is checked against a straightforward reference on generated input.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from bot.analysis import analyze
from bot.analysis.anchors import classify_anchor
from bot.analysis.content_names import DROP_RE, NEGATIVE_RE, POSITIVE_RE, class_weight, is_drop_name
from bot.analysis.factors.trust import _phrases_in
from bot.analysis.hiding import _strip_comments
from bot.analysis.lexicon import LINK_SELLING_PHRASES
from bot.analysis.links import MAX_IMAGE_DEPTH, _image_alt
from bot.analysis.report import Link
from bot.analysis.text_stats import _PUNCT, _syllables, count_words, top_word, word_count

from .pages import article_html, page

URL = "https://www.runblog.co.uk/2024/shoes/"
TARGET = "https://acme-shoes.com/guide"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="/*ab{} :;\n", max_size=60))
def test_comment_stripping_matches_the_regex(css):
    assert _strip_comments(css.encode()) == re.sub(r"/\*.*?\*/", " ", css, flags=re.S).encode()


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
    # Every word a token but the last, which may carry punctuation; the phrase ends a word.
    expected = [
        p for p in LINK_SELLING_PHRASES
        if all(w in vocabulary for w in p.split()[:-1]) and re.search(re.escape(p) + r"(?!\w)", text)
    ]
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


def _image_alts_page_wide(tree: LexborHTMLParser) -> dict[int, str]:
    """The page-wide reference: every image in a link, each credited to its nearest <a>."""
    alts: dict[int, str] = {}
    for img in tree.css("a[href] img, a[href] svg, a[href] picture"):
        cur = img.parent
        for _ in range(MAX_IMAGE_DEPTH):
            if cur is None:
                break
            if cur.tag == "a":
                if not alts.get(cur.mem_id):
                    alts[cur.mem_id] = (img.attributes.get("alt") or "") if img.tag == "img" else ""
                break
            cur = cur.parent
    return alts


def test_image_alt_per_link_matches_the_page_wide_scan():
    deep = "<span>" * (MAX_IMAGE_DEPTH + 1) + "<img alt='too deep'>" + "</span>" * (MAX_IMAGE_DEPTH + 1)
    html = (
        "<a href='/1'><img alt=''><img alt='Logo'><img alt='later'></a>"
        "<a href='/2'><svg><title>t</title></svg></a>"
        "<a href='/3'><picture><img alt='inside picture'></picture></a>"
        "<a href='/4'><a><img alt='nested, no href'></a></a>"
        "<a href='/5'><span><a name='x'><img alt='under a plain a'></a></span><img alt='own'></a>"
        f"<a href='/6'>{deep}</a>"
        "<a href='/7'>text only</a>"
        "<area href='/8' alt='area'>"
    )
    tree = LexborHTMLParser(html)
    expected = _image_alts_page_wide(tree)
    links = tree.css("a[href]")
    got = [_image_alt(link, link.mem_id) for link in links]
    assert got == [expected.get(link.mem_id) for link in links]
    assert got[:3] == ["Logo", "", "inside picture"] and got[-1] is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aAİΣσ .,—|-«\n\t\u00a0", max_size=60))
def test_word_count_of_lower_cased_tokens_is_the_word_count(text):
    low = text.lower()
    assert count_words(low.split()) == word_count(text)
    assert top_word(low, low.split()) == top_word(low)


def test_fast_link_objects_are_ordinary_frozen_links():
    report = analyze(page(after=f'<p><a href="{TARGET}" rel="NoFollow nofollow ugc">acme</a></p>'), URL, target=TARGET)
    (link,) = report.target_links
    plain = Link(link.href, link.anchor_text, link.anchor_class, link.rel, link.placement, link.internal, link.hidden)
    assert link == plain and hash(link) == hash(plain)
    assert link.rel == ("nofollow", "ugc") and not link.dofollow
    assert Link.from_dict(link.to_dict()) == link
    with pytest.raises(dataclasses.FrozenInstanceError):
        link.placement = "footer"  # type: ignore[misc]


def test_a_link_that_carries_a_content_mark_is_listed_once_and_placed_by_it():
    # The link scan finds links and content marks in one query, where a marked link comes twice.
    article = article_html(f'<p>See <a href="{TARGET}" data-so-drop="1">acme</a> for more.</p>')
    report = analyze(page(article=article), URL, target=TARGET)
    assert len(report.target_links) == 1
    assert sum(1 for link in report.links if link.href == TARGET) == 1
    assert report.target_links[0].placement == "other"  # a dropped block inside main


def test_classifier_given_the_marks_places_links_as_when_it_queries_them():
    from bot.analysis.content import find_main_content
    from bot.analysis.regions import MARKED, PathClassifier

    html = page(
        article=article_html('<div class="share-tools"><a href="/s">share</a></div><p><a href="/in">in text</a></p>'),
        after='<footer><a href="/f">footer</a></footer>',
    )
    tree = LexborHTMLParser(html)
    main = find_main_content(tree)
    queried = PathClassifier(tree, main.nodes, {})
    given_marks = PathClassifier(tree, main.nodes, {}, [(n, n.attributes) for n in tree.css(MARKED)])
    links = tree.css("a[href]")
    places = [queried.place(n, "a") for n in links]
    assert places == [given_marks.place(n, "a") for n in links]
    assert {"content", "other", "footer"} <= {where for where, _ in places}
