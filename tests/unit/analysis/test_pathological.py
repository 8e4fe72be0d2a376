"""Hostile or broken input stays bounded and never raises."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.analysis import analyze
from bot.analysis.links import MAX_LINKS


def test_deep_nesting():
    depth = 20_000
    html = "<div>" * depth + '<a href="https://acme.example/">deep</a>' + "</div>" * depth
    report = analyze(html, "https://example.org/", target="acme.example")
    assert len(report.target_links) == 1


def test_deep_nesting_inside_the_article_keeps_its_text():
    # The article's text skips scripts and boilerplate found at any depth below it; a walk that
    # recursed per level overflowed Python's stack here (found by the mutated-page fuzz test).
    prose = "<p>" + "A sentence of prose, with commas, long enough to count as a paragraph. " * 5 + "</p>"
    depth = 3000
    html = (
        "<html><body><article>" + prose * 4 + "<div><span>" * depth + "<script>var hidden;</script>deep words"
        + "</span></div>" * depth + prose + "</article></body></html>"
    )
    report = analyze(html, "https://example.org/post")
    assert "deep words" in report.content.text
    assert "var hidden" not in report.content.text


def test_many_links_are_capped_and_the_cap_is_said():
    html = "<body><article>" + "".join(f'<a href="https://s{i}.example/">l{i}</a> ' for i in range(MAX_LINKS + 300)) + "</article></body>"
    report = analyze(html, "https://example.org/")
    assert len(report.links) == MAX_LINKS
    assert any("first 5,000" in e for e in report.factor("outbound_links").evidence)


def test_huge_attributes_and_junk():
    html = (
        '<html><head><base href="javascript:alert(1)"><meta name="robots"><link rel="canonical"></head><body>'
        f'<a href="https://acme.example/" class="{"x " * 50_000}" style="{"color:red;" * 10_000}">ok</a>'
        '<a href="http://[::1">bad ipv6</a><a href="https://exa mple.com/">space</a><a>no href</a><a href>empty</a>'
        "<style>{{{{ } .a{display:none</style><style>@media{.b{display:none}</style>"
        "</body></html>"
    )
    report = analyze(html, "https://example.org/", target="acme.example", keyword="  ")
    assert len(report.target_links) == 1


def test_empty_and_non_html():
    for html in ("", "plain text, no tags", "<<<>>>", "\x00\x01"):
        report = analyze(html, "https://example.org/")
        assert report.content.word_count >= 0
        assert [f.id for f in report.factors][0] == "relevance"


def test_bad_page_url_and_target():
    report = analyze("<p>hi</p>", "not a url", target="::::")
    assert report.factor("link_type").verdict == "unknown"


def test_style_rule_cap_is_reported():
    css = "".join(f".r{i}{{display:none}}" for i in range(700))
    html = f"<html><head><style>{css}</style></head><body><article><p class='r3'><a href='https://acme.example/'>x</a></p></article></body></html>"
    report = analyze(html, "https://example.org/", target="acme.example")
    assert report.target_links[0].hidden
    assert any("hiding CSS rules" in s for s in report.skipped)
    assert any("capped" in e for e in report.factor("placement").evidence)


_TAGS = ["div", "nav", "footer", "aside", "article", "p", "span", "a", "header", "section", "style", "img", "main"]
_ATTRS = [
    "", ' class="sidebar"', ' id="comments"', ' role="navigation"', ' style="display:none"', " hidden",
    ' href="https://acme.example/x"', ' href="/in"', ' href="javascript:x"', ' rel="NOFOLLOW sponsored"',
    ' data-so-drop="1"', ' alt="pic"', ' class="entry-footer widget"',
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_TAGS), st.sampled_from(_ATTRS), st.text(max_size=20), st.booleans()), max_size=40))
def test_random_markup_never_raises(parts):
    html = "".join(f"<{t}{a}>{text}" + (f"</{t}>" if close else "") for t, a, text, close in parts)
    report = analyze(html, "https://example.org/a/", target="acme.example", keyword="acme shoes")
    d = report.to_dict()
    assert [f["id"] for f in d["factors"]][-1] == "link_type"
    assert all(link["href"].startswith("http") for link in d["links"])
