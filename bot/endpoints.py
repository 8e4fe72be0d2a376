"""Point discord.py at any Discord-compatible API (a rate-limit proxy, or the tests' fake server)."""

from __future__ import annotations

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

_DEFAULT_API = Route.BASE
_DEFAULT_GATEWAY = DiscordWebSocket.DEFAULT_GATEWAY


def apply_endpoints(api_base_url: str | None, gateway_url: str | None) -> None:
    """Set the REST base (…/api/v10) and the gateway URL for every client in this process.

    discord.py keeps both as class attributes; after an invalid session it reconnects to
    DEFAULT_GATEWAY, so that must be changed too, not only the URL returned at login.
    """
    Route.BASE = api_base_url.rstrip("/") if api_base_url else _DEFAULT_API
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url) if gateway_url else _DEFAULT_GATEWAY


__all__ = ["apply_endpoints"]
