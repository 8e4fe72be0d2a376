"""Content types, HTML sniffing and charset decoding as pure functions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.fetch.decoding import decode_html, parse_content_type, sniff_is_html


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, ("", None)),
        ("", ("", None)),
        ("text/html", ("text/html", None)),
        ('Text/HTML; Charset="UTF-8"', ("text/html", "UTF-8")),
        ("text/html;charset=windows-1252;foo=bar", ("text/html", "windows-1252")),
        ("nonsense", ("", None)),
        ("application/pdf", ("application/pdf", None)),
    ],
)
def test_parse_content_type(header: str | None, expected: tuple[str, str | None]) -> None:
    assert parse_content_type(header) == expected


@pytest.mark.parametrize(
    ("head", "is_html"),
    [
        (b"<!DOCTYPE html><html>", True),
        (b"\n\n  <html lang=en>", True),
        (b"\xef\xbb\xbf<!doctype html>", True),
        (b"<!-- comment --><p>x", True),
        (b"%PDF-1.7", False),
        (b"\x89PNG\r\n\x1a\n", False),
        (b"\x1f\x8b\x08\x00", False),
        (b"just some text", False),
        (b"", False),
        (b'{"json": true}', False),
    ],
)
def test_sniffing(head: bytes, is_html: bool) -> None:
    assert sniff_is_html(head) is is_html


def test_meta_utf16_label_means_utf8() -> None:
    body = '<meta charset="utf-16"><p>é</p>'.encode()
    assert decode_html(body, None) == ('<meta charset="utf-16"><p>é</p>', "utf-8")


def test_header_charset_wins_over_meta_when_it_decodes() -> None:
    body = '<meta charset="koi8-r"><p>é</p>'.encode("cp1252")
    text, codec = decode_html(body, "windows-1252")
    assert codec == "cp1252" and "é" in text


@pytest.mark.parametrize("label", ["unicode_escape", "raw_unicode_escape", "cp037", "palmos", "charmap", "rot13"])
def test_python_only_codecs_are_not_charsets(label: str) -> None:
    # A browser reads an unknown label as windows-1252 and shows the escapes as text: so must we.
    body = b"<p>\\x3ca href=\\x22https://target.example/\\x22\\x3eBest bins\\x3c/a\\x3e</p>"
    for header, meta in ((label, b""), (None, b'<meta charset="' + label.encode() + b'">')):
        text, codec = decode_html(meta + body, header)
        assert codec in ("utf-8", "cp1252") and "<a href" not in text and "\\x3ca" in text


@pytest.mark.parametrize("label", ["hz-gb-2312", "iso-2022-kr", "ISO-2022-CN", "csiso2022kr"])
def test_labels_browsers_replace_hide_the_whole_page(label: str) -> None:
    text, codec = decode_html(b'<a href="https://target.example/">Best bins</a>', label)
    assert (text, codec) == ("\ufffd", "replacement")


@pytest.mark.parametrize(
    ("label", "body", "expected"),
    [
        ("latin1", b"caf\x80", "caf\u20ac"),  # latin-1 labels mean windows-1252
        ("iso-8859-9", b"\x80", "\u20ac"),  # and iso-8859-9 windows-1254
        ("x-sjis", "日本".encode("cp932"), "日本"),  # a WHATWG label Python does not know
        ("EUC-KR", "한국".encode("cp949"), "한국"),
        ("x-mac-cyrillic", "Привет".encode("mac-cyrillic"), "Привет"),
        ("ks_c_5601-1987", "한국".encode("cp949"), "한국"),  # labels come from the WHATWG table
        ("x-user-defined", b"a\x80\xff", "a\uf780\uf7ff"),  # as the standard maps the high bytes
    ],
)
def test_whatwg_labels_decode_as_browsers_do(label: str, body: bytes, expected: str) -> None:
    assert decode_html(body, label)[0] == expected


def test_an_overlong_label_is_ignored() -> None:
    assert decode_html(b"ok", "utf-8" + " " * 40) == ("ok", "utf-8")
    assert decode_html(b"ok", "x" * 10_000) == ("ok", "utf-8")


def test_utf7_is_never_used() -> None:
    body = b"<p>+ADw-script+AD4-</p>"
    text, codec = decode_html(body, "utf-7")
    assert codec == "utf-8" and "<script>" not in text


@given(st.binary(max_size=2048), st.sampled_from([None, "utf-8", "latin-1", "bogus", "utf-16", "base64", "shift_jis", ""]))
def test_decoding_never_raises(body: bytes, charset: str | None) -> None:
    text, codec = decode_html(body, charset)
    assert isinstance(text, str) and codec


def test_a_utf16_label_in_the_header_without_a_bom_is_ignored() -> None:
    assert decode_html("café".encode(), "utf-16") == ("café", "utf-8")
    assert decode_html("café".encode(), "UTF-16BE") == ("café", "utf-8")
