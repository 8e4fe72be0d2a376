"""The dataset README's in-content link metric: labels, the two ways of predicting, pooled scores."""

from __future__ import annotations

from bot.analysis.content_metric import (
    LabelledLink,
    LinkCounts,
    labelled_links,
    normalise_href,
    paired_predicts,
    text_predicts,
)

PAGE_URL = "https://news.example/2024/05/harbour-wall"
BODY = (
    "The council voted to rebuild the harbour wall. Engineers cited the storm damage report from "
    "March and said the work would follow the regional flood plan."
)
HTML = """<html><head><base href="https://news.example/2024/"></head><body>
<nav><a href="/">Home</a> <a href="/news/">All the latest news</a></nav>
<article><p>The council voted to rebuild the harbour wall. Engineers cited
<a href="https://gov.example/report#summary">the storm damage report</a> from March and said the
work would follow <a href="plans/flood.html">the regional <b>flood</b> plan</a>.</p>
<p><a href="mailto:desk@news.example">Email the news desk</a>
<a href="javascript:void(0)">Share this story now</a> <a href="">This page right here</a></p></article>
</body></html>"""


def test_labels_resolve_against_base_strip_fragments_and_need_three_tokens() -> None:
    links = labelled_links(HTML, PAGE_URL, BODY)
    assert [(link.href, " ".join(link.tokens), link.content) for link in links] == [
        ("https://news.example/news/", "All the latest news", False),
        ("https://gov.example/report", "the storm damage report", True),
        ("https://news.example/2024/plans/flood.html", "the regional flood plan", True),
        # An empty href is the page itself: an http link like any other.
        ("https://news.example/2024/", "This page right here", False),
    ]


def test_an_extractor_places_a_link_when_its_tokens_run_contiguously_in_its_text() -> None:
    links = labelled_links(HTML, PAGE_URL, BODY)
    extracted = "Engineers cited the storm damage report. The regional plan, flood."
    assert text_predicts(links, extracted) == [False, True, False, False]


def test_pairing_prefers_href_and_tokens_then_tokens_then_href_and_uses_each_link_once() -> None:
    links = [
        LabelledLink("https://a.example/x", ("Read", "the", "report"), True),
        LabelledLink("https://a.example/x", ("Read", "the", "report"), True),
        LabelledLink("https://b.example/", ("Some", "other", "words"), False),
        LabelledLink("https://c.example/", ("Never", "seen", "here"), True),
    ]
    placed = [
        ("https://a.example/x", "read THE report", True),
        ("https://elsewhere.example/", "Read the report", False),
        ("https://b.example/", "different anchor", True),
    ]
    assert paired_predicts(links, placed) == [True, False, True, False]


def test_scores_are_pooled_over_pages() -> None:
    counts = LinkCounts()
    first = [LabelledLink("u", ("a", "b", "c"), True), LabelledLink("v", ("d", "e", "f"), False)]
    counts.add(first, [True, True])
    page = LinkCounts()
    page.add([LabelledLink("w", ("g", "h", "i"), True)], [False])
    counts += page
    precision, recall, f1 = counts.scores()
    assert (counts.true_pos, counts.false_pos, counts.false_neg, counts.true_neg) == (1, 1, 1, 0)
    assert (precision, recall, round(f1, 3)) == (0.5, 0.5, 0.5)


def test_only_web_urls_are_links() -> None:
    assert normalise_href("tel:+4412345", PAGE_URL) is None
    assert normalise_href("whatsapp://send?text=x", PAGE_URL) is None
    assert normalise_href("//cdn.example/a#b", PAGE_URL) == "https://cdn.example/a"
