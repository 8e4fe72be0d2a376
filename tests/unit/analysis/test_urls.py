from bot.analysis import analyze
from bot.analysis.urls import (
    brand_of,
    host_of,
    normalize_url,
    parse_target,
    registrable_domain,
    resolve_href,
    same_page,
)


def test_registrable_domain_uses_shipped_public_suffix_list():
    assert registrable_domain("blog.example.co.uk") == "example.co.uk"
    assert registrable_domain("www.example.co.uk") == "example.co.uk"
    assert registrable_domain("a.b.example.com") == "example.com"
    # github.io is a private suffix: every user is a separate site.
    assert registrable_domain("alice.github.io") == "alice.github.io"
    assert registrable_domain("bob.github.io") != registrable_domain("alice.github.io")
    assert registrable_domain("127.0.0.1") == "127.0.0.1"


def test_normalize_url_ignores_what_does_not_change_the_page():
    a = normalize_url("HTTPS://WWW.Example.com:443/path/?utm_source=x&b=2&a=1#frag")
    b = normalize_url("http://example.com/path?a=1&b=2&fbclid=abc")
    assert a == b
    assert normalize_url("https://example.com") == normalize_url("https://example.com/")
    assert normalize_url("https://example.com:8443/") != normalize_url("https://example.com/")
    assert normalize_url("mailto:x@example.com") is None
    assert not same_page("https://example.com/a", "https://example.com/b")
    assert not same_page("https://example.com/A", "https://example.com/a")  # paths are case-sensitive


def test_percent_escapes_are_spelt_one_way():
    # Slugs copied from an address bar come percent-encoded, hrefs often not (RFC 3986 6.2.2).
    cafe = normalize_url("https://acme-tools.com/café/")
    assert cafe == normalize_url("https://acme-tools.com/caf%C3%A9/") == normalize_url("https://acme-tools.com/caf%c3%a9")
    assert normalize_url("https://a.example/%7Euser") == normalize_url("https://a.example/~user")
    assert normalize_url("https://a.example/a b") == normalize_url("https://a.example/a%20b")
    # An escaped slash is not a path separator: a different path.
    assert normalize_url("https://a.example/a%2Fb") != normalize_url("https://a.example/a/b")
    assert normalize_url("https://a.example/a%2fb") == normalize_url("https://a.example/a%2Fb")


def test_internationalised_hosts_match_their_punycode():
    assert host_of("https://www.bücher.de/blog/") == "www.xn--bcher-kva.de"
    assert registrable_domain(host_of("https://shop.bücher.de/")) == "xn--bcher-kva.de"
    for raw, link in (
        ("bücher.de", "https://xn--bcher-kva.de/kompost"),
        ("https://bücher.de/kompost", "https://xn--bcher-kva.de/kompost"),
        ("https://xn--bcher-kva.de/kompost", "https://www.bücher.de/kompost/"),
    ):
        target = parse_target(raw)
        assert target is not None and target.matches(link), (raw, link)
    html = '<html><body><article><p>Kompost <a href="https://xn--bcher-kva.de/kompost">hier</a>.</p></article></body></html>'
    report = analyze(html, "https://www.bücher.de/blog/", target="https://bücher.de/kompost")
    assert report.links[0].internal
    assert len(report.target_links) == 1


def test_parse_target_domain_and_url():
    domain = parse_target("Example.com")
    assert domain is not None and not domain.is_url
    assert domain.matches("https://shop.example.com/x")
    assert domain.matches("http://www.example.com/")
    assert not domain.matches("https://example.org/")
    assert not domain.matches("https://notexample.com/")

    url = parse_target("https://example.com/guide/")
    assert url is not None and url.is_url
    assert url.matches("http://www.example.com/guide?utm_campaign=x")
    assert not url.matches("https://example.com/other")
    assert not url.matches("https://blog.example.com/guide")

    bare_path = parse_target("example.com/guide")
    assert bare_path is not None and bare_path.is_url and bare_path.matches("https://example.com/guide")
    assert parse_target("not a domain") is None
    assert parse_target("") is None


def test_resolve_href():
    base = "https://example.com/blog/post.html"
    assert resolve_href(base, "/a") == "https://example.com/a"
    assert resolve_href(base, "b") == "https://example.com/blog/b"
    assert resolve_href(base, "//cdn.example.net/x") == "https://cdn.example.net/x"
    assert resolve_href(base, " https://other.org/ ") == "https://other.org/"
    for junk in ("javascript:void(0)", "mailto:a@b.c", "tel:123", "#top", "", "data:text/html,hi"):
        assert resolve_href(base, junk) is None


def test_brand_of():
    assert brand_of("best-shoes.co.uk") == "best-shoes"
    assert brand_of("example.com") == "example"
    assert brand_of("alice.github.io") == "alice"
