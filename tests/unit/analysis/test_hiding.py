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
