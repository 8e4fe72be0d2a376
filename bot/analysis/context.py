"""What the network side learned about a page, handed to the pure analysis.

``PageContext`` is None in offline (``--html``) mode; every check that needs it is then reported
as skipped instead of guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.analysis.ranklist import RankList


@dataclass(frozen=True)
class RobotsResult:
    """robots.txt as it applies to Googlebot for the page: allowed True/False, None when unknown."""

    allowed: bool | None
    reason: str = ""


@dataclass(frozen=True)
class PageContext:
    final_url: str | None = None
    status: int | None = None
    # A dict, an aiohttp multidict or (name, value) pairs; stored as pairs so repeated headers
    # (several X-Robots-Tag lines) stay separate and the context stays hashable.
    headers: tuple[tuple[str, str], ...] | Mapping[str, str] = ()
    robots: RobotsResult | None = None
    target_title: str | None = None
    target_description: str | None = None
    rank_list: RankList | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", normalize_headers(self.headers))

    def header_values(self, name: str) -> list[str]:
        name = name.lower()
        pairs: tuple[tuple[str, str], ...] = self.headers  # type: ignore[assignment]  # normalised in __post_init__
        return [v for k, v in pairs if k.lower() == name]


def normalize_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> tuple[tuple[str, str], ...]:
    """Accepts a dict, an aiohttp multidict (items() keeps duplicates) or pairs."""
    if not headers:
        return ()
    items = headers.items() if isinstance(headers, Mapping) else headers
    return tuple((str(k), str(v)) for k, v in items)
