"""Process logging for `python -m bot run`: level, text or JSON lines, a rotated file or stdout.

Whatever the handler, a filter scrubs the configured token and anything shaped like a Discord
token from every record before it is formatted, so a token pasted into an error message, an
exception text or a library's debug line never reaches a log file.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import re
import sys
import time
from collections.abc import Iterable
from typing import Any, TextIO

from bot.settings import LoggingSettings

REDACTED = "[redacted]"

# A bot token is three base64url parts: the user id (base64 of digits), a timestamp and an HMAC.
# Matching the shape catches tokens other than ours too (a member pasting one into a URL).
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,40}")
# "Bot xxx" / "Bearer xxx" authorization values, whatever shape the secret has.
_AUTH_HEADER = re.compile(r"(?i)\b(Bot|Bearer)\s+[A-Za-z0-9_.\-]{16,}")

# LogRecord attributes every record has; anything else was passed with `extra=` and is kept.
_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "", None, None)).keys() | {"message", "asctime"}
)

_HANDLER_MARK = "_second_opinion_handler"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with the given secrets and anything token-shaped replaced by a marker."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    text = _TOKEN_SHAPE.sub(REDACTED, text)
    return _AUTH_HEADER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (and its exception text) with secrets removed.

    It renders the message once (msg % args) and drops the args, so a secret hidden in an
    argument is caught as well as one in the format string.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message, self.secrets)
        record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            # Render the traceback now so the scrubbed text is what formatters print.
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(text, self.secrets)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, key, redact(value, self.secrets))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts (UTC ISO 8601), level, logger, message, extras, exc."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                data[key] = value if isinstance(value, str | int | float | bool | type(None)) else repr(value)
        if record.exc_info and record.exc_info[0] is not None:
            data["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            data["exc"] = record.exc_text
        return json.dumps(data, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def build_handler(settings: LoggingSettings, *, stream: TextIO | None = None) -> logging.Handler:
    """A rotating file handler when `file` is set, else a stream handler (stdout by default)."""
    handler: logging.Handler
    if settings.file is not None:
        settings.file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            settings.file, maxBytes=settings.max_bytes, backupCount=settings.backups, encoding="utf-8"
        )
    else:
        handler = logging.StreamHandler(stream or sys.stdout)
    if settings.format.lower() == "json":
        handler.setFormatter(JsonFormatter())
    else:
        formatter = logging.Formatter(TEXT_FORMAT)
        formatter.converter = time.gmtime
        handler.setFormatter(formatter)
    return handler


def setup_logging(
    settings: LoggingSettings, *, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> logging.Handler:
    """Install the configured handler on the root logger (replacing one installed before).

    The redacting filter sits on the handler, so records of every logger (discord.py's,
    aiohttp's) pass through it, including ones propagated from child loggers.
    """
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, _HANDLER_MARK, False):
            root.removeHandler(old)
            old.close()
    handler = build_handler(settings, stream=stream)
    handler.addFilter(RedactingFilter(secrets))
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(settings.level.upper())
    logging.disable(logging.NOTSET)
    # discord.py's HTTP debug lines carry request bodies (message contents); keep them out even at DEBUG.
    logging.getLogger("discord.http").setLevel(max(root.level, logging.INFO))
    logging.getLogger("discord.gateway").setLevel(max(root.level, logging.INFO))
    # aiosqlite logs every statement with its parameters at DEBUG: review notes, member ids.
    logging.getLogger("aiosqlite").setLevel(max(root.level, logging.INFO))
    return handler


__all__ = ["REDACTED", "JsonFormatter", "RedactingFilter", "build_handler", "redact", "setup_logging"]
