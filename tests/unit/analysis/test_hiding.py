import pytest

from bot.analysis.hiding import hiding_reason, hiding_rules


def test_hiding_reason_declarations():
    assert hiding_reason("display:none") == "display:none"
    assert hiding_reason("color:red; DISPLAY : NONE !important") == "display:none"
    assert hiding_reason("visibility:hidden") == "visibility:hidden"
    assert hiding_reason("font-size: 0") == "font-size:0"
    assert hiding_reason("font-size: 0.8em") is None
    assert hiding_reason("opacity:0") == "opacity:0"
    assert hiding_reason("opacity:0.5") is None
    assert hiding_reason("position:absolute;top:-9999px") == "positioned off-screen"
    assert hiding_reason("top:-9999px") is None  # not positioned: no effect
    assert hiding_reason("text-indent:-9999em") == "text-indent off-screen"
    assert hiding_reason("display:block; border:none") is None


def test_hiding_rules_from_style_blocks():
    css = """
    /* .commented{display:none} */
    .a, #b > p {display:none}
    @media print { .print-only{display:none} }
    @supports (display:grid) { .g{display:none} }
    .c:hover {display:none}
    .d {color: red}
    .e {visibility:hidden}
    """
    rules, capped = hiding_rules([css])
    assert [r.selector for r in rules] == [".a", "#b > p", ".e"]
    assert not capped


def test_rule_count_is_capped():
    css = "".join(f".r{i}{{display:none}}" for i in range(800))
    rules, capped = hiding_rules([css])
    assert len(rules) == 500 and capped


def test_a_framework_stylesheet_is_read_once_and_never_mistaken_for_a_lookalike(monkeypatch):
    from bot.analysis import hiding

    hiding._style_cache.clear()
    filler = "".join(f".f{i}{{color:red}}" for i in range(8_000))  # a big stylesheet, as frameworks ship
    big = ".head{display:none}" + filler + ".x{display:none}" + filler + ".tail{display:none}"
    lookalike = big.replace(".x{display:none}", ".y{display:none}")  # same length, same ends
    assert len(big) > 50_000 and len(lookalike) == len(big)
    first = [r.selector for r in hiding_rules([big])[0]]
    assert first == [".head", ".x", ".tail"]

    # The same text again (a new string, as the next page of the site gives): no second scan.
    def no_scan(css):
        raise AssertionError("scanned again")

    monkeypatch.setattr(hiding, "_hiding_blocks", no_scan)
    assert [r.selector for r in hiding_rules([(big + " ")[:-1]])[0]] == first
    monkeypatch.undo()
    # A different stylesheet with the same length and ends is read for itself.
    assert [r.selector for r in hiding_rules([lookalike])[0]] == [".head", ".y", ".tail"]


def test_rules_are_read_from_stylesheets_with_other_characters_than_ascii():
    css = '.arrow::after{content:"→ — «»"} .café, .naïve > a {display:none} .ok{color:red} #größe{visibility:hidden}'
    rules, _ = hiding_rules([css])
    assert [(r.selector, r.reason) for r in rules] == [
        (".café", "display:none"), (".naïve > a", "display:none"), ("#größe", "visibility:hidden"),
    ]


def test_a_no_break_space_is_not_css_whitespace():
    # Browsers drop "display\u00a0:none" as an invalid declaration: nothing is hidden.
    assert hiding_rules([".x{display\u00a0:none}"])[0] == []
    assert hiding_reason("display\u00a0:none") is None
    assert hiding_reason("DISPLAY: NONE") == "display:none"


@pytest.mark.parametrize(
    ("doctype", "hidden"),
    [
        ("<!doctype html>", ["a /d.pdf", "ul menu closed"]),
        # Quirks mode: lexbor compares class and id names case-blind, so .Ghost and #Side match too.
        ("", ["a /d.pdf", "div ad-box", "div ghost", "ul menu closed"]),
    ],
)
def test_a_big_stylesheet_hides_the_same_elements_with_its_unused_rules_left_out(monkeypatch, doctype, hidden):
    from selectolax.lexbor import LexborHTMLParser

    from bot.analysis import hiding

    unused = "".join(f".unused-{i} .x, #nothing-{i}{{display:none}}" for i in range(80))
    css = unused + (
        ".Ghost{display:none} #Side .ad-box{visibility:hidden} nav > .menu.closed{display:none}"
        " a[href$='.pdf']{display:none} .card.promo.hidden-sm{display:none}"
    )
    rules, _ = hiding_rules([css])
    assert len(rules) >= hiding.PREFILTER_MIN_RULES
    tree = LexborHTMLParser(
        f"{doctype}<html><body><div class='ghost'><a href='/a'>a</a></div>"
        "<aside id='side'><div class='ad-box'><a href='/b'>b</a></div></aside>"
        "<nav><ul class='menu closed'><li><a href='/c'>c</a></li></ul></nav>"
        "<a href='/d.pdf'>d</a><div class='card promo'><a href='/e'>e</a></div></body></html>"
    )
    filtered = hiding.apply_rules(tree, rules)
    named = {n.mem_id: f"{n.tag} {n.attributes.get('class') or n.attributes.get('href')}" for n in tree.css("*")}
    assert sorted(named[mid] for mid in filtered) == hidden
    monkeypatch.setattr(hiding, "PREFILTER_MIN_RULES", 10**9)
    assert filtered == hiding.apply_rules(tree, rules)
