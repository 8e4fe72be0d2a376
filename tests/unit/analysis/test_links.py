"""Link regions, visibility, internal/external and rel, on synthetic pages."""

from bot.analysis import analyze

from .pages import article_html, link_paragraph, page

URL = "https://www.runblog.co.uk/2024/shoes/"
TARGET = "https://acme-shoes.com/guide"


def only_target(html: str, **kw):
    report = analyze(html, URL, target=TARGET, **kw)
    assert len(report.target_links) == 1, report.target_links
    return report.target_links[0]


def test_link_in_article_is_content():
    link = only_target(page(article=article_html(link_paragraph(TARGET, "a season-long cushioning test"))))
    assert link.placement == "content"
    assert not link.hidden
    assert not link.internal
    assert link.rel == ()


def test_regions_by_element_role_and_class():
    cases = {
        "navigation": f'<nav><a href="{TARGET}">Acme</a></nav>',
        "header": f'<div role="banner"><a href="{TARGET}">Acme</a></div>',
        "footer": f'<div id="colophon"><a href="{TARGET}">Acme</a></div>',
        "sidebar": f'<div class="widget-area"><div class="widget_text"><a href="{TARGET}">Acme</a></div></div>',
        "comments": f'<div id="comments"><ol class="comment-list"><li><a href="{TARGET}">Acme</a></li></ol></div>',
    }
    for expected, block in cases.items():
        link = only_target(page(after=block))
        assert link.placement == expected, (expected, block)
    assert only_target(page(after=f'<div role="complementary"><a href="{TARGET}">x</a></div>')).placement == "sidebar"
    assert only_target(page(after=f'<div role="contentinfo"><a href="{TARGET}">x</a></div>')).placement == "footer"
    assert only_target(page(after=f'<aside><a href="{TARGET}">x</a></aside>')).placement == "sidebar"
    assert only_target(page(after=f'<div class="mainNav"><a href="{TARGET}">x</a></div>')).placement == "navigation"


def test_outermost_region_wins_footer_nav_is_footer():
    block = f'<footer><nav class="footer-menu"><a href="{TARGET}">Acme</a></nav></footer>'
    assert only_target(page(after=block)).placement == "footer"


def test_unnamed_block_outside_main_is_other():
    block = f'<div class="related-posts"><h3>You may also like</h3><a href="{TARGET}">Acme guide</a></div>'
    assert only_target(page(after=block)).placement == "other"


def test_without_any_main_content_links_outside_regions_are_content():
    # Too little text for an article: the placement evidence says the rest counts as content, and it does.
    html = ('<html><body><nav><a href="https://acme-tools.com/menu">Menu</a></nav>'
            '<article><p>See <a href="https://acme-tools.com/b">Acme</a></p></article></body></html>')
    report = analyze(html, "https://blogsite.com/blog/x/", target="https://acme-tools.com/b")
    assert [link.placement for link in report.links] == ["navigation", "content"]
    placement = report.factor("placement")
    assert placement.verdict == "good"
    assert any("main content not detected" in e for e in placement.evidence)


def test_comments_inside_article_are_comments():
    comments = f'<section id="comments"><div class="comment"><p>Nice! <a href="{TARGET}">my shop</a></p></div></section>'
    assert only_target(page(article=article_html(comments))).placement == "comments"


def test_region_class_on_a_wrapper_of_the_article_is_ignored():
    html = page().replace("<main>", '<main class="content-with-sidebar">')
    html = html.replace("</article>", link_paragraph(TARGET, "a cushioning test") + "</article>")
    assert only_target(html).placement == "content"


def test_hidden_by_inline_styles_and_attribute():
    styles = [
        'style="display:none"',
        'style="visibility: hidden"',
        'style="font-size:0px"',
        'style="opacity:0"',
        'style="position:absolute; left:-9999px"',
        'style="text-indent:-5000px"',
        "hidden",
    ]
    for attr in styles:
        link = only_target(page(article=article_html(f'<div {attr}><a href="{TARGET}">cheap shoes</a></div>')))
        assert link.hidden, attr
    link = only_target(page(article=article_html(link_paragraph(TARGET, "shoes", attrs='style="display:none"'))))
    assert link.hidden
    # aria-hidden does not hide anything visually
    link = only_target(page(article=article_html(f'<p aria-hidden="true"><a href="{TARGET}">shoes</a></p>')))
    assert not link.hidden
    # left:-20px is a layout nudge, not off-screen
    link = only_target(page(article=article_html(f'<p style="position:relative;left:-20px"><a href="{TARGET}">s</a></p>')))
    assert not link.hidden


def test_hidden_by_style_rule():
    head = "<style>/* theme */ .promo-x { display : block } .sr-links{display:none} #off{position:absolute;left:-10000px}</style>"
    link = only_target(page(head=head, article=article_html(f'<div class="sr-links"><a href="{TARGET}">shoes</a></div>')))
    assert link.hidden
    link = only_target(page(head=head, article=article_html(f'<p id="off"><a href="{TARGET}">shoes</a></p>')))
    assert link.hidden
    link = only_target(page(head=head, article=article_html(f'<p class="promo-x"><a href="{TARGET}">shoes</a></p>')))
    assert not link.hidden


def test_style_rules_hide_whatever_their_case_and_spacing():
    for rule in (".seo { display : none; }", ".seo{DISPLAY:NONE}", ".seo{Display:None}", ".seo {\n  visibility :\n hidden }",
                 ".seo{POSITION:ABSOLUTE; LEFT : -9999PX}"):
        html = page(head=f"<style>{rule}</style>", article=article_html(f'<p class="seo"><a href="{TARGET}">shoes</a></p>'))
        assert only_target(html).hidden, rule


def test_style_rules_in_media_queries_and_pseudo_classes_are_ignored():
    head = "<style>@media (max-width: 600px) { .m{display:none} } .h:hover{display:none} .x::after{display:none}</style>"
    for cls in ("m", "h"):
        link = only_target(page(head=head, article=article_html(f'<p class="{cls}"><a href="{TARGET}">s</a></p>')))
        assert not link.hidden, cls


def test_internal_external_by_registrable_domain():
    links = (
        '<p><a href="https://blog.runblog.co.uk/x">sister blog</a> '
        '<a href="https://runblog.com/x">other tld</a> '
        '<a href="/relative">relative</a> '
        '<a href="https://alice.github.io/">alice</a></p>'
    )
    report = analyze(page(article=article_html(links)), URL)
    internal = {link.anchor_text: link.internal for link in report.links}
    assert internal["sister blog"] is True
    assert internal["other tld"] is False
    assert internal["relative"] is True
    assert internal["alice"] is False

    gh = analyze(page(article=article_html('<p><a href="https://alice.github.io/a">a</a> <a href="https://bob.github.io/">b</a></p>')),
                 "https://alice.github.io/post")
    internal = {link.anchor_text: link.internal for link in gh.links}
    assert internal == {**internal, "a": True, "b": False}


def test_only_http_links_are_reported_and_base_href_is_used():
    links = '<p><a href="javascript:void(0)">js</a> <a href="mailto:x@y.z">mail</a> <a href="#top">top</a> <a href="rel/page">rel</a></p>'
    report = analyze(page(head='<base href="https://cdn.runblog.co.uk/base/">', article=article_html(links)), URL)
    hrefs = [link.href for link in report.links]
    assert not any(h.startswith(("javascript", "mailto")) or h.endswith("#top") for h in hrefs)
    assert "https://cdn.runblog.co.uk/base/rel/page" in hrefs


def test_rel_tokens_are_lower_cased_list():
    link = only_target(page(article=article_html(link_paragraph(TARGET, "a test", rel="NoFollow  UGC"))))
    assert link.rel == ("nofollow", "ugc")
    assert report_dict_rel(link) == ["nofollow", "ugc"]


def report_dict_rel(link):
    return link.to_dict()["rel"]


def test_area_links_are_links():
    html = page(article=article_html(f'<map name="m"><area shape="rect" coords="0,0,1,1" href="{TARGET}" alt="Acme map"></map>'))
    link = only_target(html)
    assert link.anchor_text == "Acme map"
