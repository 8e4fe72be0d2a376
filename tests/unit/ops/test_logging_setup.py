"""Logging: JSON lines, levels, file rotation, and no token ever reaching a handler."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from bot.logging_setup import REDACTED, redact, setup_logging
from bot.settings import LoggingSettings

# Shaped like a real bot token (id in base64 . timestamp . hmac) but invented.
SHAPED = "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GaBcDe.aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abcd"


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_json_lines_carry_level_logger_message_and_extras(restore_logging):
    out = io.StringIO()
    setup_logging(LoggingSettings(level="INFO", format="json"), stream=out)
    log = logging.getLogger("bot.something")
    log.info("checked %s in %d ms", "blog.example", 42, extra={"guild_id": 123})
    log.debug("not shown at INFO")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("failed")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 2
    first = lines[0]
    assert first["level"] == "INFO" and first["logger"] == "bot.something"
    assert first["message"] == "checked blog.example in 42 ms"
    assert first["guild_id"] == 123
    assert first["ts"].endswith("Z") and first["ts"][4] == "-"
    assert lines[1]["level"] == "ERROR" and "ValueError: boom" in lines[1]["exc"]


def test_level_from_settings(restore_logging):
    out = io.StringIO()
    setup_logging(LoggingSettings(level="WARNING", format="text"), stream=out)
    logging.getLogger("x").info("quiet")
    logging.getLogger("x").warning("loud")
    text = out.getvalue()
    assert "quiet" not in text and "WARNING x: loud" in text


async def test_debug_logs_carry_no_stored_text(tmp_path: Path, restore_logging):
    # aiosqlite logs each statement with its parameters at DEBUG: a review note would be in the log.
    from bot.storage.database import Database

    out = io.StringIO()
    setup_logging(LoggingSettings(level="DEBUG", format="text"), stream=out)
    db = await Database.open(tmp_path / "d.sqlite3")
    try:
        await db.execute("SELECT ?", ("PRIVATE NOTE: my client pays 300 EUR",))
    finally:
        await db.close()
    logging.getLogger("bot.x").debug("a debug line of ours")
    text = out.getvalue()
    assert "a debug line of ours" in text and "PRIVATE NOTE" not in text


def test_the_configured_token_and_token_shapes_are_redacted(restore_logging):
    out = io.StringIO()
    secret = "my-configured-token-value"
    setup_logging(LoggingSettings(format="json"), secrets=[secret], stream=out)
    log = logging.getLogger("discord.client")
    log.info("token is %s", secret)  # in an argument
    log.warning(f"pasted {SHAPED} somewhere")  # in the message itself
    log.info("header Authorization: Bot %s", "abcdefghijklmnopqrstuvwxyz")
    log.info("extra", extra={"detail": f"x {secret} y"})
    try:
        raise RuntimeError(f"login with {secret} failed")
    except RuntimeError:
        log.exception("login failed")
    text = out.getvalue()
    assert secret not in text and SHAPED not in text and "abcdefghijklmnopqrstuvwxyz" not in text
    assert text.count(REDACTED) >= 5
    assert "Bot [redacted]" in text


def test_redact_leaves_ordinary_text_alone():
    ordinary = "GET https://blog.example.com/how-to-start-composting?id=12345 took 0.25 s (guild 123456789012345678)"
    assert redact(ordinary) == ordinary
    assert redact(f"a {SHAPED} b") == f"a {REDACTED} b"


def test_rotating_file(tmp_path: Path, restore_logging):
    path = tmp_path / "logs" / "bot.log"
    setup_logging(LoggingSettings(format="text", file=path, max_bytes=1024, backups=2))
    log = logging.getLogger("rot")
    for i in range(200):
        log.warning("line %03d %s", i, "x" * 40)
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == ["bot.log", "bot.log.1", "bot.log.2"]
    assert all((path.parent / f).stat().st_size <= 1024 + 200 for f in files)
    assert "line 199" in path.read_text()


def test_setup_twice_replaces_its_own_handler(restore_logging):
    first, second = io.StringIO(), io.StringIO()
    setup_logging(LoggingSettings(), stream=first)
    setup_logging(LoggingSettings(), stream=second)
    logging.getLogger("twice").warning("once")
    assert "once" not in first.getvalue() and second.getvalue().count("once") == 1
