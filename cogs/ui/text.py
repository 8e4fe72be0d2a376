"""Text from the web or from members, made safe for Discord: escaped, mention-proof, bounded."""

from __future__ import annotations

import discord

_ZERO_WIDTH_SPACE = "\u200b"


def clip(text: str, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def safe(text: str | None, limit: int = 256) -> str:
    """Escape markdown and neutralise mentions (allowed_mentions is none anyway; this keeps the display honest)."""
    if not text:
        return ""
    text = " ".join(text.split())
    text = discord.utils.escape_markdown(text)
    text = discord.utils.escape_mentions(text)
    # escape_mentions leaves role and channel mentions; break every '<@' and '<#' too.
    text = text.replace("<@", "<" + _ZERO_WIDTH_SPACE + "@").replace("<#", "<" + _ZERO_WIDTH_SPACE + "#")
    return clip(text, limit)


def safe_url(url: str | None, limit: int = 300) -> str:
    """A URL shown as text: no markdown link syntax and no embed-suppressing tricks."""
    if not url:
        return ""
    return clip(url.replace(")", "%29").replace(" ", "%20").replace("`", "%60"), limit)


def timestamp(seconds: float, style: str = "R") -> str:
    return f"<t:{int(seconds)}:{style}>"
