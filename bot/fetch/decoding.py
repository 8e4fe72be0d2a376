"""Is a response HTML, and which text does it hold: content type, sniffing and charsets.

Follows the order a browser uses (BOM, then the Content-Type charset, then a <meta> in the
first bytes) but never trusts a label blindly: a charset that is unknown, not a text
encoding, or that fails on the bytes is skipped, ending with a lossless-enough fallback.
"""

from __future__ import annotations

import codecs
import re

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Labels browsers treat as windows-1252 (WHATWG Encoding), and ones never used for HTML.
_AS_CP1252 = frozenset({"latin_1", "iso8859_1", "ascii", "cp1252"})
_REFUSED_CODECS = frozenset({"utf_7", "utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le", "utf_32_be"})

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]{1,40})""", re.IGNORECASE)
_SNIFF_HTML = re.compile(
    rb"\s*(?:<!doctype\s+html|<html|<head|<body|<script|<iframe|<h1|<div|<font|<table|<a[\s>]"
    rb"|<style|<title|<b[\s>]|<br|<p[\s>]|<!--)",
    re.IGNORECASE,
)
_BINARY_SIGNATURES = (b"%PDF-", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"RIFF")

_TYPE_TOKEN = re.compile(r"[a-z0-9!#$&^_.+-]{1,64}/[a-z0-9!#$&^_.+-]{1,64}")


def parse_content_type(header: str | None) -> tuple[str, str | None]:
    """(`type/subtype` lowercased or "", charset label or None) from a Content-Type value."""
    if not header:
        return "", None
    main, _, params = header.partition(";")
    mime = main.strip().lower()
    if not _TYPE_TOKEN.fullmatch(mime):
        mime = ""
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'").strip() or None
    return mime, charset


def sniff_is_html(head: bytes) -> bool:
    """Whether the first bytes of an untyped body look like HTML (WHATWG MIME sniffing, abridged)."""
    for bom, _ in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    if head.startswith(_BINARY_SIGNATURES):
        return False
    return _SNIFF_HTML.match(head[:1024]) is not None


def _codec_for(label: str | None, *, from_meta: bool) -> str | None:
    """A Python codec name for a charset label, or None when it must not be used."""
    if not label:
        return None
    try:
        info = codecs.lookup(label.strip().lower())
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None  # rot13, base64, zlib …: codecs, not charsets
    name = info.name.replace("-", "_")
    if name in _AS_CP1252:
        return "cp1252"
    if name in _REFUSED_CODECS:
        # A page that really is UTF-16 carries a BOM (handled first); in a meta it is a lie.
        return "utf-8" if from_meta and name.startswith("utf_16") else None
    return info.name


def _try(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError, ValueError):
        return None


def decode_html(body: bytes, header_charset: str | None) -> tuple[str, str]:
    """(text, codec used). Never raises: the last resort decodes with replacement characters."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            text = body[len(bom) :].decode(codec, errors="replace")
            return text, codec
    candidates: list[str] = []
    header_codec = _codec_for(header_charset, from_meta=False)
    if header_codec:
        candidates.append(header_codec)
    match = _META_CHARSET.search(body[:4096])
    if match:
        meta_codec = _codec_for(match.group(1).decode("ascii", "replace"), from_meta=True)
        if meta_codec:
            candidates.append(meta_codec)
    candidates += ["utf-8", "cp1252"]
    seen: set[str] = set()
    for codec in candidates:
        if codec in seen:
            continue
        seen.add(codec)
        text = _try(body, codec)
        if text is not None:
            return text, codec
    # cp1252 leaves five bytes undefined; replacement keeps the rest readable.
    return body.decode("cp1252", errors="replace"), "cp1252"


__all__ = ["HTML_TYPES", "decode_html", "parse_content_type", "sniff_is_html"]
