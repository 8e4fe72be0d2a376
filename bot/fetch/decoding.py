"""Is a response HTML, and which text does it hold: content type, sniffing and charsets.

Follows the order a browser uses (BOM, then the Content-Type charset, then a <meta> in the
first bytes) but never trusts a label blindly: a charset that is unknown, not a text
encoding, or that fails on the bytes is skipped, ending with a lossless-enough fallback.
"""

from __future__ import annotations

import codecs
import re

import webencodings

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Charset labels are read with webencodings, the WHATWG Encoding standard's label table (what
# browsers, and so Google, accept), each mapped to the codec that decodes it the way a browser does:
# latin-1 and ascii labels mean windows-1252, EUC-KR means its superset cp949, and so on. A label
# outside the standard (Python's unicode_escape, cp037, palmos ...) would let a page show the bot
# text that no browser shows, so it is ignored like an unknown one.
_UTF16 = frozenset({"utf-16le", "utf-16be"})
_REPLACED = "\ufffd"
MAX_LABEL_CHARS = 40
_UTF8 = codecs.lookup("utf-8")
_CP1252 = codecs.lookup("cp1252")

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


def looks_binary(head: bytes) -> bool:
    """Whether the first bytes of a body labelled HTML are a file of another kind (a PDF, an image,
    an archive, a body compressed twice). Stray NUL bytes are not enough: browsers render a
    labelled page whatever bytes it holds, and so must the bot."""
    return head.startswith(_BINARY_SIGNATURES)


def _codec_for(label: str | None, *, from_meta: bool) -> codecs.CodecInfo | str | None:
    """The codec that decodes a charset label as a browser would, _REPLACED for the labels of
    WHATWG's "replacement" encoding, or None when the label must not be used."""
    if not label or len(label) > MAX_LABEL_CHARS:
        return None
    encoding = webencodings.lookup(label)
    if encoding is None:
        return None
    if encoding.name == "replacement":
        return _REPLACED
    if encoding.name in _UTF16:
        # A page that really is UTF-16 carries a BOM (handled first); in a meta it is a lie.
        return _UTF8 if from_meta else None
    return encoding.codec_info


def _try(body: bytes, codec: codecs.CodecInfo) -> str | None:
    try:
        return codec.decode(body)[0]
    except (UnicodeDecodeError, ValueError):
        return None


def decode_html(body: bytes, header_charset: str | None) -> tuple[str, str]:
    """(text, codec used). Never raises: the last resort decodes with replacement characters."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            text = body[len(bom) :].decode(codec, errors="replace")
            return text, codec
    candidates: list[codecs.CodecInfo] = []
    header_codec = _codec_for(header_charset, from_meta=False)
    if header_codec == _REPLACED:
        return _REPLACED, "replacement"
    if isinstance(header_codec, codecs.CodecInfo):
        candidates.append(header_codec)
    match = _META_CHARSET.search(body[:4096])
    if match:
        meta_codec = _codec_for(match.group(1).decode("ascii", "replace"), from_meta=True)
        if meta_codec == _REPLACED and not header_codec:
            return _REPLACED, "replacement"
        if isinstance(meta_codec, codecs.CodecInfo):
            candidates.append(meta_codec)
    candidates += [_UTF8, _CP1252]
    seen: set[str] = set()
    for codec in candidates:
        if codec.name in seen:
            continue
        seen.add(codec.name)
        text = _try(body, codec)
        if text is not None:
            return text, codec.name
    # cp1252 leaves five bytes undefined; replacement keeps the rest readable.
    return body.decode("cp1252", errors="replace"), "cp1252"


__all__ = ["HTML_TYPES", "decode_html", "looks_binary", "parse_content_type", "sniff_is_html"]
