"""`python -m bot history`: a closed pipe, a read-only open, and ids that are not snowflakes."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.history.cli import run_history
from bot.storage.database import LATEST_VERSION, Database

from .fixtures import REPO, T0, Rev, add_review, parse_history_args

G = 1001
parse = parse_history_args


async def _seed(path: Path, reviews: int = 3) -> None:
    db = await Database.open(path)
    try:
        for i in range(reviews):
            await add_review(db, Rev(G, f"site{i}.example", T0 + i, community_risk="high"))
    finally:
        await db.close()


@pytest.fixture
async def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "bot.sqlite3"
    await _seed(path)
    return path


def _journal_mode(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        conn.close()


# --- a reader that stops early ------------------------------------------------------------------


def test_a_closed_pipe_exits_quietly(db_path: Path) -> None:
    # A pipe with no reader at all: the first write fails with EPIPE, as after `| head -1` exits.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bot", "history", "--db", str(db_path), "--guild", str(G), "--format", "csv"],
            cwd=REPO, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 0
    assert done.stderr == ""  # no traceback, not even the one at interpreter exit


class _ClosedPipe(io.BytesIO):
    def write(self, data: bytes) -> int:  # type: ignore[override]
        raise BrokenPipeError(32, "Broken pipe")


class _Stdout:
    def __init__(self) -> None:
        self.buffer = _ClosedPipe()

    def fileno(self) -> int:
        raise io.UnsupportedOperation("fileno")


async def test_a_broken_pipe_in_process_is_not_an_error(db_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdout", _Stdout())
    assert await run_history(parse("--db", str(db_path), "--guild", str(G))) == 0
    assert capsys.readouterr().err == ""


# --- the export only reads ----------------------------------------------------------------------


async def test_a_backup_copy_is_exported_without_being_changed(db_path: Path, tmp_path: Path) -> None:
    # A backup is a rollback-journal file; opening it for writing switched it to WAL before.
    conn = sqlite3.connect(str(db_path))
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    before = db_path.read_bytes()  # noqa: ASYNC240
    out = tmp_path / "out.csv"
    assert await run_history(parse("--db", str(db_path), "--guild", str(G), "--output", str(out))) == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4  # header and three reviews
    assert db_path.read_bytes() == before  # noqa: ASYNC240
    assert _journal_mode(db_path) == "delete"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bot.sqlite3", "out.csv"]  # noqa: ASYNC240


def _without_root_file_powers() -> list[str] | None:
    """A command prefix under which file permissions hold: none needed for a normal user; for root
    (CI containers), setpriv dropping the capabilities that bypass them; None when neither works."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]


def test_a_read_only_file_in_a_read_only_directory(tmp_path: Path) -> None:
    prefix = _without_root_file_powers()
    if prefix is None:
        pytest.skip("running as root without setpriv: file permissions cannot be enforced")
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "bot.sqlite3"
    asyncio.run(_seed(path))
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    path.chmod(0o444)
    folder.chmod(0o555)
    try:
        # The same powers would let the old writable open through: prove they are gone first.
        probe = subprocess.run([*prefix, sys.executable, "-c", f"open({str(folder / 'x')!r}, 'w')"],
                               capture_output=True, timeout=30)
        assert probe.returncode != 0, "file permissions are not enforced here"
        result = subprocess.run(
            [*prefix, sys.executable, "-m", "bot", "history", "--db", str(path), "--guild", str(G),
             "--format", "disavow"], cwd=REPO, capture_output=True, timeout=60)
    finally:
        folder.chmod(0o755)
    assert result.returncode == 0, result.stderr.decode()
    assert b"domain:site0.example" in result.stdout
    assert sorted(p.name for p in folder.iterdir()) == ["bot.sqlite3"]  # nothing created beside it


async def test_a_live_wal_database_is_read_with_its_uncheckpointed_commits(db_path: Path, capsysbinary) -> None:
    holder = sqlite3.connect(str(db_path), isolation_level=None)
    try:
        holder.execute("PRAGMA wal_autocheckpoint = 0")
        holder.execute("UPDATE reviews SET domain = 'only-in-wal.example' WHERE domain = 'site1.example'")
        assert await run_history(parse("--db", str(db_path), "--guild", str(G), "--format", "disavow")) == 0
    finally:
        holder.close()
    assert b"domain:only-in-wal.example" in capsysbinary.readouterr().out


async def test_a_newer_schema_is_still_exported(db_path: Path, capsysbinary) -> None:
    # As before: no migration and no version gate; the tables the export reads are what count.
    conn = sqlite3.connect(str(db_path))
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    assert await run_history(parse("--db", str(db_path), "--guild", str(G), "--format", "disavow")) == 0
    assert b"domain:site2.example" in capsysbinary.readouterr().out
    conn = sqlite3.connect(str(db_path))
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION + 1
    conn.close()


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "not a Second Opinion database"), (b"not sqlite at all" * 300, "not a readable SQLite database")],
    ids=["empty", "foreign"],
)
async def test_empty_or_foreign_files_are_one_line_and_untouched(tmp_path: Path, capsys, content, message) -> None:
    path = tmp_path / "other.sqlite3"
    path.write_bytes(content)  # noqa: ASYNC240
    assert await run_history(parse("--db", str(path), "--guild", str(G))) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err
    assert path.read_bytes() == content  # noqa: ASYNC240
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.sqlite3"]  # noqa: ASYNC240


# --- ids ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["99999999999999999999999", "9223372036854775808", "²", "１２３", "0", "-5", "1e3", "", "9" * 5000],
    ids=["23-digits", "2**63", "superscript", "fullwidth", "zero", "negative", "exponent", "empty", "5000-digits"],
)
@pytest.mark.parametrize("option", ["--guild", "--member"])
async def test_ids_that_are_not_snowflakes_exit_2_with_one_line(db_path: Path, capsys, option, value) -> None:
    argv = ["--guild", str(G), option, value] if option == "--member" else ["--guild", value]
    assert await run_history(parse("--db", str(db_path), *argv)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {option} must be a numeric Discord id")


async def test_the_largest_snowflake_and_leading_zeros_are_accepted(db_path: Path, capsysbinary) -> None:
    assert await run_history(parse("--db", str(db_path), "--guild", "9223372036854775807",
                                   "--member", "9223372036854775807", "--format", "disavow")) == 0
    assert b"domain:" not in capsysbinary.readouterr().out  # a valid id with nothing to export
    assert await run_history(parse("--db", str(db_path), "--guild", f"000{G}", "--format", "disavow")) == 0
    assert b"domain:site0.example" in capsysbinary.readouterr().out
