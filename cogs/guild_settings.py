"""Placeholder: filled in by the guild_settings work."""

from __future__ import annotations

from typing import Any


async def setup(bot: Any) -> None:
    return None
