"""Property-based: analyze() over random markup and over mutated real pages never raises, stays
bounded, and always honours the JSON contract."""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.analysis import analyze
from bot.fetch import decode_html
from tests.fuzz.contract import check_contract
from tests.fuzz.profiles import fuzz_settings, within_budget

DATASET = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "article-bodies" / "html"
PAGE_URL = "https://gardening-weekly.example/blog/how-to-start-composting"

TAGS = ["html", "head", "body", "title", "meta", "base", "link", "a", "p", "div", "span", "article", "main",
        "nav", "header", "footer", "aside", "section", "ul", "li", "table", "td", "tr", "script", "style",
        "template", "noscript", "img", "br", "h1", "h2", "form", "iframe", "svg", "math", "b", "i", "font"]
ATTRS = ["href", "rel", "class", "id", "style", "hidden", "aria-hidden", "name", "content", "property",
         "charset", "http-equiv", "alt", "src", "title", "role", "itemprop", "datetime", "lang"]
VALUES = st.one_of(
    st.sampled_from([
        "https://compost-supplies.example/bins", "/relative", "//proto.example/x", "javascript:alert(1)",
        "nofollow ugc sponsored", "display:none", "noindex, nofollow", "canonical", "description", "author",
        "robots", "og:description", "http://[::1", "https://exa mple.com/", "mailto:a@b", "#frag", "", "0",
        "text/html; charset=utf-16", "visibility:hidden;font-size:0", "utf-8", "x-user-defined",
    ]),
    st.text(max_size=40),
)
TEXT = st.one_of(
    st.sampled_from(["compost bins", "Compost Supplies", "click here", "https://compost-supplies.example/",
                     "&amp;", "&#0;", "&#x110000;", "<!--", "-->", "]]>", "\u202e", "\u200b", "\x00", "\ufeff"]),
    st.text(max_size=60),
)


@st.composite
def elements(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(TAGS))
    attrs = draw(st.lists(st.tuples(st.sampled_from(ATTRS), VALUES), max_size=4))
    quote = draw(st.sampled_from(['"', "'", ""]))
    attr_text = "".join(f" {k}={quote}{v}{quote}" for k, v in attrs)
    children = [] if depth >= 4 else draw(st.lists(st.one_of(TEXT, elements(depth + 1)), max_size=5))
    close = draw(st.sampled_from([f"</{tag}>", "", f"</{tag}", "</div>"]))
    return f"<{tag}{attr_text}>" + "".join(children) + close


TARGETS = st.one_of(
    st.none(),
    st.sampled_from(["compost-supplies.example", "https://compost-supplies.example/bins", "https://", "..",
                     "http://[::1]/", "ÉXAMPLE.com", " ", "a" * 300]),
    st.text(max_size=50),
)
KEYWORDS = st.one_of(st.none(), st.sampled_from(["compost bins", "  ", "ß", "İstanbul"]), st.text(max_size=100))


@given(body=st.lists(st.one_of(elements(), TEXT), max_size=12), target=TARGETS, keyword=KEYWORDS)
@fuzz_settings(max_examples=60)
def test_random_markup_keeps_the_contract(body: list[str], target: str | None, keyword: str | None) -> None:
    html = "".join(body)
    with within_budget("analysis of random markup"):
        report = analyze(html, PAGE_URL, target=target, keyword=keyword)
    check_contract(report)


@cache
def _dataset_pages() -> tuple[str, ...]:
    files = sorted(DATASET.glob("*.html.gz"))[:40] if DATASET.is_dir() else []
    pages = []
    for path in files:
        with gzip.open(path, "rb") as handle:
            pages.append(handle.read().decode("utf-8", errors="replace"))
    return tuple(pages)


@st.composite
def mutated_pages(draw: st.DrawFn) -> str:
    pages = _dataset_pages()
    html = pages[draw(st.integers(0, len(pages) - 1))]
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["truncate", "delete", "duplicate", "insert", "swap_angle", "nest"]))
        n = len(html)
        i = draw(st.integers(0, max(n - 1, 0)))
        j = min(n, i + draw(st.integers(0, 5000)))
        if kind == "truncate":
            html = html[:i]
        elif kind == "delete":
            html = html[:i] + html[j:]
        elif kind == "duplicate":
            html = html[:j] + html[i:j] * draw(st.integers(1, 3)) + html[j:]
        elif kind == "insert":
            html = html[:i] + draw(st.one_of(elements(), TEXT)) + html[i:]
        elif kind == "swap_angle":
            html = html[:i] + html[i:j].replace("<", "\x00").replace(">", "<") + html[j:]
        else:
            depth = draw(st.integers(1, 3000))
            html = html[:i] + "<div><span>" * depth + html[i:]
    return html


@pytest.mark.skipif(not DATASET.is_dir(), reason="shared dataset not present")
@given(html=mutated_pages(), target=TARGETS, keyword=KEYWORDS)
@fuzz_settings(max_examples=40)
def test_mutated_real_pages_keep_the_contract(html: str, target: str | None, keyword: str | None) -> None:
    with within_budget("analysis of a mutated real page"):
        report = analyze(html, PAGE_URL, target=target, keyword=keyword)
    check_contract(report)


@given(raw=st.binary(max_size=4000), header_charset=st.one_of(st.none(), st.sampled_from(
    ["utf-8", "utf-16", "latin-1", "shift_jis", "x-user-defined", "bogus", "utf-7", ""]
)))
@fuzz_settings(max_examples=60)
def test_any_bytes_decode_and_analyse(raw: bytes, header_charset: str | None) -> None:
    text, encoding = decode_html(raw, header_charset)
    assert isinstance(text, str) and isinstance(encoding, str) and encoding
    with within_budget("analysis of decoded bytes"):
        check_contract(analyze(text, PAGE_URL, target="compost-supplies.example", keyword="compost"))
