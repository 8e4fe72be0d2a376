"""Is a response HTML, and which text does it hold: content type, sniffing and charsets.

Follows the order a browser uses (BOM, then the Content-Type charset, then a <meta> in the
first bytes) but never trusts a label blindly: a charset that is unknown, not a text
encoding, or that fails on the bytes is skipped, ending with a lossless-enough fallback.
"""

from __future__ import annotations

import codecs
import encodings
import encodings.aliases
import re

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# The encodings of the WHATWG Encoding standard (what browsers, and so Google, accept), as Python
# codec module names, each with the codec that decodes it the way a browser does: latin-1 and ascii
# labels mean windows-1252, EUC-KR means its superset cp949, and so on. A label outside this table
# (Python's unicode_escape, cp037, palmos ...) would let a page show the bot text that no browser
# shows, so it is ignored like an unknown one.
_WHATWG_CODECS = {
    "utf_8": "utf-8", "cp866": "cp866", "koi8_r": "koi8-r", "koi8_u": "koi8-u", "mac_roman": "mac-roman",
    "mac_cyrillic": "mac-cyrillic", "cp874": "cp874", "tis_620": "cp874", "iso8859_11": "cp874",
    "latin_1": "cp1252", "iso8859_1": "cp1252", "ascii": "cp1252", "iso8859_9": "cp1254",
    "gbk": "gbk", "gb2312": "gbk", "gb18030": "gb18030", "big5": "big5hkscs", "big5hkscs": "big5hkscs",
    "euc_jp": "euc_jp", "iso2022_jp": "iso2022_jp", "shift_jis": "cp932", "cp932": "cp932",
    "euc_kr": "cp949", "cp949": "cp949",
    **{f"iso8859_{n}": f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)},
    **{f"cp{n}": f"cp{n}" for n in range(1250, 1259)},
}
# WHATWG labels Python does not know by these names.
_WHATWG_LABELS = {
    "unicode_1_1_utf_8": "utf_8", "iso_8859_8_i": "iso8859_8", "koi8": "koi8_r", "koi8_ru": "koi8_u",
    "mac": "mac_roman", "x_mac_roman": "mac_roman", "windows_874": "cp874", "x_mac_cyrillic": "mac_cyrillic",
    "x_mac_ukrainian": "mac_cyrillic", "x_gbk": "gbk", "x_x_big5": "big5", "x_euc_jp": "euc_jp",
    "windows_31j": "cp932", "x_sjis": "cp932", "windows_949": "cp949", "unicode11utf8": "utf_8",
    "unicode20utf8": "utf_8", "x_unicode20utf8": "utf_8", "x_user_defined": "cp1252",
}
# Labels WHATWG maps to its "replacement" encoding: the page shows as one replacement character.
_REPLACEMENT_LABELS = frozenset(
    {"csiso2022kr", "hz_gb_2312", "iso_2022_cn", "iso_2022_cn_ext", "iso_2022_kr", "replacement"}
)
_UTF16_LABELS = frozenset(
    {"utf_16", "utf_16le", "utf_16be", "utf_16_le", "utf_16_be", "unicode", "ucs_2", "csunicode",
     "iso_10646_ucs_2", "unicodefeff", "unicodefffe"}
)
_REPLACED = "\ufffd"
MAX_LABEL_CHARS = 40

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


def _codec_for(label: str | None, *, from_meta: bool) -> str | None:
    """The Python codec that decodes a charset label as a browser would, or None when the label
    must not be used. Looked up in fixed tables only: codecs.lookup would also accept Python-only
    codecs, and caches every label it is asked about for the life of the process."""
    if not label or len(label) > MAX_LABEL_CHARS:
        return None
    key = encodings.normalize_encoding(label.strip().lower())
    if key in _REPLACEMENT_LABELS:
        return _REPLACED
    if key in _UTF16_LABELS:
        # A page that really is UTF-16 carries a BOM (handled first); in a meta it is a lie.
        return "utf-8" if from_meta else None
    name = _WHATWG_LABELS.get(key) or encodings.aliases.aliases.get(key, key)
    return _WHATWG_CODECS.get(name)


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
    if header_codec == _REPLACED:
        return _REPLACED, "replacement"
    if header_codec:
        candidates.append(header_codec)
    match = _META_CHARSET.search(body[:4096])
    if match:
        meta_codec = _codec_for(match.group(1).decode("ascii", "replace"), from_meta=True)
        if meta_codec == _REPLACED and not header_codec:
            return _REPLACED, "replacement"
        if meta_codec and meta_codec != _REPLACED:
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


__all__ = ["HTML_TYPES", "decode_html", "looks_binary", "parse_content_type", "sniff_is_html"]
