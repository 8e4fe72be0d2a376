"""Keyset pagination over (created_at, id), and the page state a history button carries.

OFFSET pages shift when a review is added or deleted and get slower with depth; a keyset cursor
names the last row seen, so "next" is stable and costs the same on page 1 and page 1,000.
"""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass
from typing import Literal

from bot.history.filters import FilterError, HistoryFilter, _b36, _from_b36

PAGE_SIZE = 10
Direction = Literal["older", "newer"]
_DIRECTION_CODE = {"older": "o", "newer": "n"}
_CODE_DIRECTION = {code: name for name, code in _DIRECTION_CODE.items()}
_FLOAT_CHARS = 11  # base64 of 8 bytes, padding dropped
# Between the cursor and the filter part; never produced by either token.
_STATE_SEPARATOR = "/"
_REF_MARK = "@"


@dataclass(frozen=True)
class PageCursor:
    """Rows strictly older (or newer) than the review with this (created_at, id)."""

    created_at: float
    review_id: int
    direction: Direction = "older"

    def to_token(self) -> str:
        # The exact float bits, so the cursor never drifts by a rounding error.
        packed = base64.urlsafe_b64encode(struct.pack(">d", self.created_at)).decode("ascii").rstrip("=")
        return _DIRECTION_CODE[self.direction] + packed + _b36(self.review_id)

    @classmethod
    def from_token(cls, token: str) -> PageCursor:
        try:
            direction = _CODE_DIRECTION[token[:1]]
            raw = base64.urlsafe_b64decode(token[1 : 1 + _FLOAT_CHARS] + "=")
            (created_at,) = struct.unpack(">d", raw)
            review_id = _from_b36(token[1 + _FLOAT_CHARS :])
        except (KeyError, ValueError, struct.error) as exc:
            raise FilterError(f"unreadable page cursor: {exc}") from None
        return cls(created_at, review_id, direction)  # type: ignore[arg-type]


@dataclass(frozen=True)
class PageState:
    """What a Prev/Next button needs: where to go and either the filter or the id it is stored under."""

    cursor: PageCursor | None
    filter: HistoryFilter | None = None
    filter_ref: str | None = None

    def to_text(self) -> str:
        cursor = self.cursor.to_token() if self.cursor else ""
        if self.filter_ref is not None:
            return cursor + _STATE_SEPARATOR + _REF_MARK + self.filter_ref
        return cursor + _STATE_SEPARATOR + (self.filter or HistoryFilter()).to_token()

    @classmethod
    def from_text(cls, text: str) -> PageState:
        cursor_text, sep, filter_text = text.partition(_STATE_SEPARATOR)
        if not sep:
            raise FilterError("unreadable history page state")
        cursor = PageCursor.from_token(cursor_text) if cursor_text else None
        if filter_text.startswith(_REF_MARK):
            ref = filter_text[1:]
            if not ref.isalnum():
                raise FilterError("unreadable history filter reference")
            return cls(cursor, None, ref)
        return cls(cursor, HistoryFilter.from_token(filter_text))


def pack_page_state(flt: HistoryFilter, cursor: PageCursor | None, *, budget: int = 80) -> str | None:
    """The inline state text when it fits in `budget` characters, else None.

    On None the cog stores the filter (bot.storage.history.remember_filter) and packs
    `PageState(cursor, filter_ref=flt.short_id())` instead, which always fits (≤ 40 characters).
    """
    text = PageState(cursor, flt).to_text()
    return text if len(text) <= budget else None
