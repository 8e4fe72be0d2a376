"""What a member asked to see: the history filter, and its compact token for button custom_ids.

A Discord custom_id holds at most 100 characters and must survive a bot restart, so the filter
travels as a short versioned token (`to_token`/`from_token`). When a filter is too long for that
(long search words), the cog keeps it in storage under `short_id()` instead.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from bot.analysis.urls import ascii_host, registrable_domain, strip_www

VERDICTS: tuple[str, ...] = ("low", "medium", "high", "no_consensus")
RISKS: tuple[str, ...] = ("low", "medium", "high")
STATUSES: tuple[str, ...] = ("open", "closed")
MAX_TEXT_LENGTH = 100
MAX_DOMAIN_LENGTH = 253
TOKEN_VERSION = "1"

_VERDICT_CODE = {"low": "l", "medium": "m", "high": "h", "no_consensus": "n"}
_RISK_CODE = {"low": "l", "medium": "m", "high": "h"}
_STATUS_CODE = {"open": "o", "closed": "c"}
_SEPARATOR = "|"


class FilterError(ValueError):
    """A filter value that cannot be used; the message is fit to show the member."""


def _b36(number: int) -> str:
    if number < 0:
        raise ValueError("negative")
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


def _from_b36(text: str) -> int:
    if not text or not text.isalnum() or not text.isascii():
        raise ValueError(f"not base36: {text!r}")
    return int(text, 36)


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace(_SEPARATOR, "%7C")


def _unescape(text: str) -> str:
    return text.replace("%7C", _SEPARATOR).replace("%25", "%")


def normalise_domain(value: str) -> str:
    """A domain as reviews and checks store it: the registrable domain in punycode
    (``https://blog.Bücher.de/x`` → ``xn--bcher-kva.de``).

    Members paste whole URLs, subdomains and Unicode names into the domain box; accept them.
    """
    text = value.strip()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    else:
        text = text.split("/", 1)[0].split("?", 1)[0]
        if ":" in text and not text.startswith("["):
            text = text.rsplit(":", 1)[0]
    text = text.strip().rstrip(".").lower()
    if not text or len(text) > MAX_DOMAIN_LENGTH or any(ch.isspace() for ch in text):
        raise FilterError(f"not a domain: {value!r}")
    return registrable_domain(strip_www(ascii_host(text)))


def parse_when(value: str, *, end: bool = False) -> int:
    """An ISO date or date-time as unix seconds (UTC when no zone is given).

    With end=True a bare date means the end of that day, so `--until 2025-05-31` includes the 31st.
    """
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            moment = start + timedelta(days=1) if end else start
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
    except ValueError:
        raise FilterError(f"not an ISO date (YYYY-MM-DD or YYYY-MM-DDTHH:MM): {value!r}") from None
    return int(moment.timestamp())


@dataclass(frozen=True)
class HistoryFilter:
    """Every field optional; all given fields must hold (AND). Times are unix seconds, UTC.

    `since` is inclusive and `until` exclusive. `member_id` matches the requester or any voter.
    `text` is split into words; each word must appear in the URL or the note.
    """

    domain: str | None = None
    member_id: int | None = None
    verdict: str | None = None
    risk: str | None = None
    status: str | None = None
    since: int | None = None
    until: int | None = None
    text: str | None = None

    def __post_init__(self) -> None:
        if self.domain is not None:
            object.__setattr__(self, "domain", normalise_domain(self.domain))
        if self.member_id is not None and (not isinstance(self.member_id, int) or self.member_id <= 0):
            raise FilterError(f"not a member id: {self.member_id!r}")
        if self.verdict is not None and self.verdict not in VERDICTS:
            raise FilterError(f"verdict must be one of {', '.join(VERDICTS)}, got {self.verdict!r}")
        if self.risk is not None and self.risk not in RISKS:
            raise FilterError(f"risk must be one of {', '.join(RISKS)}, got {self.risk!r}")
        if self.status is not None and self.status not in STATUSES:
            raise FilterError(f"status must be open or closed, got {self.status!r}")
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None:
                if isinstance(value, float) and value.is_integer():
                    object.__setattr__(self, name, int(value))
                elif not isinstance(value, int) or value < 0:
                    raise FilterError(f"{name} must be whole unix seconds, got {value!r}")
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise FilterError("the end date must come after the start date")
        if self.text is not None:
            text = " ".join(self.text.split())
            if len(text) > MAX_TEXT_LENGTH:
                raise FilterError(f"search words are limited to {MAX_TEXT_LENGTH} characters")
            object.__setattr__(self, "text", text or None)

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.text.split()) if self.text else ()

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))

    def to_token(self) -> str:
        """Compact and stable: `1|dexample.com|vh` for a domain with a high community verdict."""
        parts = [TOKEN_VERSION]
        if self.domain is not None:
            parts.append("d" + _escape(self.domain))
        if self.member_id is not None:
            parts.append("m" + _b36(self.member_id))
        if self.verdict is not None:
            parts.append("v" + _VERDICT_CODE[self.verdict])
        if self.risk is not None:
            parts.append("r" + _RISK_CODE[self.risk])
        if self.status is not None:
            parts.append("s" + _STATUS_CODE[self.status])
        if self.since is not None:
            parts.append("f" + _b36(self.since))
        if self.until is not None:
            parts.append("u" + _b36(self.until))
        if self.text is not None:
            parts.append("t" + _escape(self.text))
        return _SEPARATOR.join(parts)

    @classmethod
    def from_token(cls, token: str) -> HistoryFilter:
        parts = token.split(_SEPARATOR)
        if parts[0] != TOKEN_VERSION:
            raise FilterError("this history view is from an older version of the bot; run /history again")
        values: dict[str, object] = {}
        decoders = {
            "d": ("domain", _unescape),
            "m": ("member_id", _from_b36),
            "v": ("verdict", _decode_from(_VERDICT_CODE)),
            "r": ("risk", _decode_from(_RISK_CODE)),
            "s": ("status", _decode_from(_STATUS_CODE)),
            "f": ("since", _from_b36),
            "u": ("until", _from_b36),
            "t": ("text", _unescape),
        }
        try:
            for part in parts[1:]:
                name, decode = decoders[part[:1]]
                if name in values:
                    raise ValueError(f"repeated {name}")
                values[name] = decode(part[1:])
            return cls(**values)  # type: ignore[arg-type]
        except (KeyError, ValueError) as exc:
            raise FilterError(f"unreadable history filter token: {exc}") from None

    def short_id(self) -> str:
        """A 10-character id derived from the token, for filters kept in storage."""
        digest = hashlib.sha256(self.to_token().encode("utf-8")).digest()
        return base64.b32encode(digest)[:10].decode("ascii").lower()


def _decode_from(codes: dict[str, str]) -> Callable[[str], str]:
    reverse = {code: name for name, code in codes.items()}

    def decode(text: str) -> str:
        return reverse[text]

    return decode
