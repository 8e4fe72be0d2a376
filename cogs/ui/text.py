"""Text from the web or from members, made safe for Discord: escaped, mention-proof, bounded."""

from __future__ import annotations

import re
import unicodedata

import discord

_ZERO_WIDTH_SPACE = "\u200b"
# Markdown, escaped with a backslash each. discord.utils.escape_markdown is not enough: it
# escapes only the first "[" of "[a](b) [Claim](https://evil)" and nothing inside "[...](...)",
# so a second masked link, or ** and || inside one, still render. Every bracket is escaped here.
_MARKUP = r"(?P<markup>[_\\~|*`\[\]]|^>(?:>>)?\s|^#{1,3}|^\s*-)"
# Links Discord makes clickable stay clickable (no markdown renders inside them), made safe as by safe_url.
_LINK = r"(?P<link><https?://[^ >]+>|https?://[^\s<]+[^<.,:;\"')\]\s])"
_ESCAPE_KEEPING_LINKS = re.compile(f"{_LINK}|{_MARKUP}", re.MULTILINE)
_ESCAPE_ALL = re.compile(_MARKUP, re.MULTILINE)
# What Discord auto-links: nothing inside such a URL is read as markdown.
_WEB_SCHEME = re.compile(r"https?://", re.IGNORECASE)
# An IPv6 host ("http://[2001:db8::1]/"): its brackets are the URL's syntax and hold no markdown.
_IPV6_HOST = re.compile(r"\[[0-9A-Fa-f:.]+\]")
# Characters that could end an auto-linked URL early, or start markdown or a mention right after it.
_URL_BREAKERS = frozenset("<>|`()[]*~\\")
_PARTIAL_ESCAPE = re.compile(r"%[0-9A-Fa-f]?\Z")


def clip(text: str, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def safe(text: str | None, limit: int = 256, *, keep_links: bool = True) -> str:
    """Escape markdown and neutralise mentions (allowed_mentions is none anyway; this keeps the display honest).

    URLs in the text stay clickable unless keep_links is False.
    """
    if not text:
        return ""
    text = " ".join(text.split())
    pattern = _ESCAPE_KEEPING_LINKS if keep_links else _ESCAPE_ALL
    text = pattern.sub(_escaped, text)
    text = discord.utils.escape_mentions(text)
    # escape_mentions leaves role and channel mentions; break every '<@' and '<#' too.
    text = text.replace("<@", "<" + _ZERO_WIDTH_SPACE + "@").replace("<#", "<" + _ZERO_WIDTH_SPACE + "#")
    return clip(text, limit)


def _escaped(match: re.Match[str]) -> str:
    link = match.groupdict().get("link")
    if link is None:
        return "\\" + match.group("markup")
    if link.startswith("<"):
        return "<" + _encoded(link[1:-1]) + ">"
    return _encoded(link)


def safe_url(url: str | None, limit: int = 300) -> str:
    """A page address shown as text: a clickable link that cannot carry markdown or mentions.

    Anything but an http(s) URL (e.g. a bare domain typed as a review's target) is no link and
    is escaped as text.
    """
    if not url:
        return ""
    if _WEB_SCHEME.match(url) is None:
        return safe(url, limit, keep_links=False)
    encoded = _encoded(url[: limit + 1])  # every character gives one or more: enough to fill limit
    if len(encoded) <= limit:
        return encoded
    # Never cut a %-escape in half.
    return _PARTIAL_ESCAPE.sub("", encoded[: max(0, limit - 1)]) + "…"


def _encoded(url: str) -> str:
    """An http(s) URL that Discord auto-links as one piece, up to its last character.

    No markdown renders inside an auto-linked URL, so it is kept as is (%-escapes, query,
    fragment, punycode; "_" too: it cannot format there, and escaping it would disfigure common
    addresses such as ?utm_source=) except what could end the link early and start markdown or
    a mention after it: whitespace, control and invisible format characters, and < > | ` ( ) [ ]
    * ~ \\ are percent-encoded, which is how browsers send most of them anyway.
    """
    scheme, _, rest = url.partition("://")
    host = _IPV6_HOST.match(rest)
    kept = host.group() if host else ""
    # The scheme is case-insensitive: lower case is what Discord is sure to auto-link.
    return scheme.lower() + "://" + kept + "".join(_url_char(c) for c in rest[len(kept) :])


def _url_char(char: str) -> str:
    if char in _URL_BREAKERS or unicodedata.category(char)[0] in "CZ":  # control, format, spaces
        return "".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
    return char


def timestamp(seconds: float, style: str = "R") -> str:
    return f"<t:{int(seconds)}:{style}>"
