"""Main-content detection: the shared benchmark's score, and the marks on small synthetic pages."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from bot.analysis.content import DROP_ATTR, MAIN_ATTR, MainContent, find_main_content
from bot.analysis.content_metric import f1_score, page_precision_recall, shingles

REPO_ROOT = Path(__file__).resolve().parents[3]

PROSE = [
    "The council voted on Tuesday to rebuild the old harbour wall, ending a dispute that has run for "
    "more than a decade, and work is expected to start in the spring once the contracts are signed.",
    "Residents had argued that the wall, damaged in two winter storms, left the lower town exposed to "
    "flooding, while the port authority said repairs would cost more than the town could afford.",
    "Under the agreement the regional government will pay two thirds of the bill, with the remainder "
    "coming from harbour fees, according to documents published by the council after the meeting.",
    "Engineers estimate that the new wall will be finished within eighteen months, although they warned "
    "that bad weather, supply problems or further storm damage could push the date back by a season.",
]


def _paragraphs(items: list[str]) -> str:
    return "".join(f"<p>{text}</p>" for text in items)


def _main(tree: LexborHTMLParser) -> list[str]:
    return [node.attributes.get("id") or node.tag for node in tree.css(f"[{MAIN_ATTR}]")]


def _in_main_links(tree: LexborHTMLParser) -> set[str]:
    """Hrefs the link analysis will treat as in-content: the documented contract, as a selector."""
    inside = {a.attributes.get("href") for a in tree.css(f"[{MAIN_ATTR}] a")}
    dropped = {a.attributes.get("href") for a in tree.css(f"[{DROP_ATTR}] a")}
    return {href for href in inside - dropped if href}


def _detect(html: str) -> tuple[LexborHTMLParser, MainContent]:
    tree = LexborHTMLParser(html)
    return tree, find_main_content(tree)


def _load_dataset_module():
    spec = importlib.util.spec_from_file_location("bench_dataset", REPO_ROOT / "bench" / "_dataset.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the benchmark ------------------------------------------------------------------------------


def test_f1_on_shared_article_bodies_is_at_least_093() -> None:
    dataset = _load_dataset_module()
    if not dataset.dataset_available():
        pytest.skip(f"shared dataset absent: {dataset.DATASET_DIR} (it sits beside the repository)")
    predictions: dict[str, str] = {}
    truths: dict[str, str] = {}
    for page_id, _url, html, truth in dataset.iter_pages():
        truths[page_id] = truth
        predictions[page_id] = find_main_content(LexborHTMLParser(html)).text
    assert len(truths) == 111
    precision, recall, f1 = f1_score(predictions, truths)
    assert f1 >= 0.93, (precision, recall, f1)


# --- the metric ---------------------------------------------------------------------------------


def test_metric_counts_shingles_as_a_multiset_of_four_token_runs() -> None:
    assert shingles("a b c d a b c d") == {
        ("a", "b", "c", "d"): 2,
        ("b", "c", "d", "a"): 1,
        ("c", "d", "a", "b"): 1,
        ("d", "a", "b", "c"): 1,
    }
    assert shingles("Hello, world!") == {("Hello", "world"): 1}
    assert not shingles(" ... ")


def test_metric_keeps_case_and_scores_per_page() -> None:
    precision, recall = page_precision_recall("one two three four five", "one two three four five six")
    assert precision == 1.0
    assert recall == pytest.approx(2 / 3)
    precision, recall = page_precision_recall("ONE two three four", "one two three four")
    assert (precision, recall) == (0.0, 0.0)


def test_metric_empty_prediction_counts_only_toward_recall() -> None:
    truths = {"a": "w1 w2 w3 w4 w5", "b": "x1 x2 x3 x4"}
    p, r, f1 = f1_score({"a": "w1 w2 w3 w4 w5", "b": ""}, truths)
    assert p == 1.0  # page b has no precision at all
    assert r == 0.5
    assert f1 == pytest.approx(2 * 0.5 / 1.5)
    assert f1_score({}, truths) == (0.0, 0.0, 0.0)


# --- synthetic pages ----------------------------------------------------------------------------


def test_article_with_sidebar_footer_nav_comments_and_related_block() -> None:
    html = f"""<html><head><title>t</title><script>var x = "not text";</script></head><body>
      <nav id="nav"><a href="/home">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
      <div id="page">
        <article id="story">
          <h1>Harbour wall to be rebuilt</h1>
          {_paragraphs(PROSE[:2])}
          <p>Read the <a href="https://example.org/report">full engineering report</a> for the details of
          the plan, which was drawn up over two years by the port's own engineers and consultants.</p>
          <div class="share-bar"><a href="https://facebook.com/share">Facebook</a>
            <a href="https://twitter.com/share">Twitter</a></div>
          {_paragraphs(PROSE[2:])}
          <script>document.write("ad code");</script>
          <div class="related-posts"><h3>Related</h3><ul>
            <li><a href="/other-1">Storm damages pier</a></li><li><a href="/other-2">Port fees rise</a></li>
          </ul></div>
        </article>
        <aside id="sidebar"><h3>Most popular</h3><ul>
          <li><a href="/pop-1">A very popular story about something else entirely</a></li>
          <li><a href="/pop-2">Another popular story that readers clicked on</a></li></ul>
          <p>Sign up for our newsletter to receive the top stories of the day, every day, for free.</p>
        </aside>
        <section id="comments" class="comments"><h3>Comments</h3>
          <div class="comment"><p>I have lived here for thirty years, and the wall has never been worse;
          it is about time someone did something about it, frankly.</p>
          <a href="https://spam.example/pills">cheap pills</a></div>
        </section>
      </div>
      <footer id="footer"><a href="/about">About us</a> <a href="/contact">Contact</a> Copyright 2024</footer>
    </body></html>"""
    tree, content = _detect(html)
    assert _main(tree) == ["story"]
    assert [node.attributes.get("id") for node in content.nodes] == ["story"]
    for paragraph in PROSE:
        assert paragraph in content.text
    assert "full engineering report" in content.text
    for boilerplate in ("Facebook", "Storm damages pier", "Most popular", "cheap pills", "About us", "ad code"):
        assert boilerplate not in content.text
    assert _in_main_links(tree) == {"https://example.org/report"}
    # Boilerplate inside the article is marked, not removed: the links are still in the tree.
    assert tree.css_first(".share-bar").attributes.get(DROP_ATTR) is not None
    assert tree.css_first(".related-posts").attributes.get(DROP_ATTR) is not None
    assert len(tree.css("a")) == 13
    assert "not text" in tree.head.html


def test_page_without_semantic_tags_picks_the_prose_container() -> None:
    html = f"""<body>
      <div id="top"><div class="x1"><a href="/a">Alpha</a> | <a href="/b">Beta</a> | <a href="/c">Gamma</a></div></div>
      <div id="wrap">
        <div id="left"><div class="x2"><a href="/l1">Links one</a><br><a href="/l2">Links two</a><br>
          <a href="/l3">Links three that go on for a while</a></div></div>
        <div id="c7">{_paragraphs(PROSE)}
          <p>More at <a href="https://example.org/source">the source</a>, which published it first today.</p>
        </div>
      </div>
      <div id="bottom">Terms <a href="/terms">Terms of use</a></div>
    </body>"""
    tree, content = _detect(html)
    assert _main(tree) == ["c7"]
    assert content.text.startswith(PROSE[0])
    assert _in_main_links(tree) == {"https://example.org/source"}
    assert "Links one" not in content.text


def test_body_split_across_sibling_divs_is_merged() -> None:
    html = f"""<body><div id="menu"><a href="/1">One</a><a href="/2">Two</a></div>
      <div id="holder">
        <div id="part1" class="text">{_paragraphs(PROSE[:2])}</div>
        <div id="ad" class="ad-slot"><a href="https://ads.example/x">Buy now</a></div>
        <div id="part2" class="text">{_paragraphs(PROSE[2:])}</div>
      </div>
      <div id="foot"><a href="/privacy">Privacy</a></div></body>"""
    tree, content = _detect(html)
    marked = _main(tree)
    assert "part1" in marked and "part2" in marked or marked == ["holder"]
    for paragraph in PROSE:
        assert paragraph in content.text
    assert "Buy now" not in content.text
    assert "https://ads.example/x" not in _in_main_links(tree)
    assert content.text.index(PROSE[1]) < content.text.index(PROSE[2])


def test_text_written_between_line_breaks_is_found() -> None:
    lines = "<br><br>".join(PROSE)
    html = f"""<body><ul id="nav"><li><a href="/">Home</a></li><li><a href="/n">News</a></li></ul>
      <div id="post">{lines}</div>
      <div id="side"><a href="/x">Some other headline for the sidebar</a></div></body>"""
    tree, content = _detect(html)
    assert _main(tree) == ["post"]
    for paragraph in PROSE:
        assert paragraph in content.text


def test_inline_only_divs_count_as_paragraphs() -> None:
    spans = "".join(f"<div><span><span>{text}</span></span></div>" for text in PROSE)
    html = f"""<body><div id="hdr"><a href="/">Home</a></div>
      <div id="entry">{spans}</div><div id="ftr">© 2018 <a href="/t">Template by someone</a></div></body>"""
    tree, content = _detect(html)
    assert _main(tree) == ["entry"]
    assert all(paragraph in content.text for paragraph in PROSE)


def test_article_body_microdata_wins_over_a_longer_comment_thread() -> None:
    comments = "".join(f'<div class="c"><p>{text} Yes.</p></div>' for text in PROSE * 2)
    html = f"""<body><div itemprop="articleBody" id="body">{_paragraphs(PROSE[:3])}</div>
      <div id="thread" class="comment-list">{comments}</div></body>"""
    tree, content = _detect(html)
    assert _main(tree) == ["body"]
    assert "Yes." not in content.text


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   ",
        "<html></html>",
        "<body></body>",
        "<body><div><a href='/x'>x</a></div></body>",
        "<p>short</p>",
        "\x00\x01 garbage <<<>>> </div></p><p",
        "<body>" + "<div>" * 500 + "deep" + "</div>" * 500 + "</body>",
        "<svg><text>not html prose at all, just an svg text element here</text></svg>",
    ],
)
def test_empty_or_garbage_page_gives_empty_result(html: str) -> None:
    tree, content = _detect(html)
    assert content == MainContent("", ())
    assert tree.css_first(f"[{MAIN_ATTR}]") is None


def test_no_prose_gives_nothing_marked() -> None:
    tree, content = _detect("<body><nav><a href='/a'>A</a><a href='/b'>B</a></nav><p>Hi.</p></body>")
    assert content.text == ""
    assert content.nodes == ()
    assert tree.css_first(f"[{MAIN_ATTR}]") is None


def test_nothing_is_removed_from_the_tree() -> None:
    html = f"""<html><head><style>.a{{color:red}}</style></head><body><article id="a">
      {_paragraphs(PROSE)}<div class="share"><a href="/s">Share</a></div>
      <noscript><a href="/ns">no script link</a></noscript><script>var y;</script>
      <figure><img src="/i.jpg"><figcaption>A caption with <a href="/cap">a link</a></figcaption></figure>
      </article></body></html>"""
    tree = LexborHTMLParser(html)
    before = [(node.tag, node.attributes.get("href")) for node in tree.root.traverse()]
    content = find_main_content(tree)
    after = [(node.tag, node.attributes.get("href")) for node in tree.root.traverse()]
    assert before == after
    assert "var y" not in content.text and "no script link" not in content.text
    assert "A caption" not in content.text
    assert tree.css_first("figure").attributes.get(DROP_ATTR) is not None
