from bot.checking import MAX_NESTING_DEPTH, MIN_TAGS_TO_SCAN, PageTooDeep, analyze_page, nesting_depth_exceeds


def test_deep_nesting_is_refused_before_parsing():
    deep = "<html><body>" + "<div>" * 100_000 + "x" + "</div>" * 100_000 + "</body></html>"
    assert nesting_depth_exceeds(deep)
    try:
        analyze_page(deep, "https://a.example/", target=None, keyword=None, context=None)
    except PageTooDeep as exc:
        assert "nested too deeply" in exc.user_message
    else:
        raise AssertionError("a 100,000-level page must be refused")


def test_stray_close_tags_cannot_hide_depth():
    deep = "<div><b></b></x></y>" * (MAX_NESTING_DEPTH + 10)
    assert nesting_depth_exceeds(deep)


def test_many_flat_or_self_closing_elements_are_fine():
    flat = "<p>para" * (MIN_TAGS_TO_SCAN + 5) + "<br><img src=x>" * 5000
    assert not nesting_depth_exceeds(flat)
    lists = "<ul>" + "<li>item" * (MIN_TAGS_TO_SCAN + 5) + "</ul>"
    assert not nesting_depth_exceeds(lists)
    balanced = "<div><span>x</span></div>" * MIN_TAGS_TO_SCAN
    assert not nesting_depth_exceeds(balanced)


def test_small_pages_are_not_scanned():
    small = "<div>" * (MIN_TAGS_TO_SCAN - 10)
    assert not nesting_depth_exceeds(small)  # bounded by its tag count: parses in well under a second
