from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.history.cli import run_history
from bot.storage.database import Database

from .fixtures import DAY, REPO, T0, Rev, add_review, parse_history_args, verdict_json

G = 1001
parse = parse_history_args


@pytest.fixture
async def db_path(tmp_path) -> Path:
    path = tmp_path / "bot.sqlite3"
    db = await Database.open(path)
    try:
        await add_review(db, Rev(G, "alpha.com", T0, requester_id=10, community_risk="high", note="=cmd()",
                                 verdict=verdict_json("high", overall="bad"), votes=[("overall", 20, "bad")]))
        await add_review(db, Rev(G, "beta.com", T0 + 2 * DAY, requester_id=11, community_risk="low",
                                 votes=[("overall", 21, "good")]))
        await add_review(db, Rev(G, "gamma.org", T0 + 4 * DAY, status="open"))
        await add_review(db, Rev(2002, "other.com", T0, community_risk="high"))
    finally:
        await db.close()
    return path


async def test_csv_to_file_with_filters(db_path, tmp_path) -> None:
    out = tmp_path / "reviews.csv"
    code = await run_history(parse("--db", str(db_path), "--guild", str(G), "--status", "closed",
                                   "--since", "2025-06-15", "--until", "2025-06-17", "--output", str(out)))
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert [r["domain"] for r in rows] == ["beta.com", "alpha.com"]
    assert rows[1]["note"] == "'=cmd()"
    assert not (tmp_path / "reviews.csv.part").exists()


async def test_votes_csv_and_member_filter(db_path, tmp_path) -> None:
    out = tmp_path / "votes.csv"
    assert await run_history(parse("--db", str(db_path), "--guild", str(G), "--table", "votes",
                                   "--member", "20", "--output", str(out))) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert [(r["domain"], r["member_id"], r["agrees"]) for r in rows] == [("alpha.com", "20", "yes")]


async def test_json_and_disavow_to_stdout(db_path, capsysbinary) -> None:
    assert await run_history(parse("--db", str(db_path), "--guild", str(G), "--format", "json",
                                   "--text", "beta")) == 0
    doc = json.loads(capsysbinary.readouterr().out)
    assert [r["domain"] for r in doc["reviews"]] == ["beta.com"] and len(doc["votes"]) == 1

    assert await run_history(parse("--db", str(db_path), "--guild", str(G), "--format", "disavow")) == 0
    text = capsysbinary.readouterr().out.decode()
    assert [line for line in text.splitlines() if not line.startswith("#")] == ["domain:alpha.com"]
    assert f"# guild: {G}" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--since", "last week"], "ISO date"),
        (["--until", "2025-13-01"], "ISO date"),
        (["--member", "bob"], "--member"),
        (["--since", "2025-06-02", "--until", "2025-06-01"], "after"),
        (["--domain", "  "], "domain"),
    ],
)
async def test_bad_input_exits_2_with_one_line(db_path, capsys, argv, message) -> None:
    code = await run_history(parse("--db", str(db_path), "--guild", str(G), *argv))
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err


async def test_missing_or_foreign_database_exits_2(tmp_path, capsys) -> None:
    missing = tmp_path / "nope.sqlite3"
    assert await run_history(parse("--db", str(missing), "--guild", str(G))) == 2
    assert "no database file" in capsys.readouterr().err
    assert not missing.exists()  # never created by a mistyped path

    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not sqlite" * 100)
    assert await run_history(parse("--db", str(junk), "--guild", str(G))) == 2
    assert capsys.readouterr().err.count("\n") == 1

    assert await run_history(parse("--db", str(missing), "--guild", "x")) == 2
    assert "--guild" in capsys.readouterr().err

    bad_dir = tmp_path / "no" / "such" / "out.csv"
    empty = tmp_path / "empty.sqlite3"
    await (await Database.open(empty)).close()  # a real, empty bot database
    assert await run_history(parse("--db", str(empty), "--guild", str(G), "--output", str(bad_dir))) == 2
    assert "--output" in capsys.readouterr().err


async def test_sqlite_file_without_the_schema_exits_2(tmp_path, capsys) -> None:
    import sqlite3

    path = tmp_path / "plain.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    assert await run_history(parse("--db", str(path), "--guild", str(G))) == 2
    assert "not a Second Opinion database" in capsys.readouterr().err


def test_python_dash_m_bot_history(db_path, tmp_path) -> None:
    out = tmp_path / "disavow.txt"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "history", "--db", str(db_path), "--guild", str(G), "--format", "disavow",
         "--output", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_text().splitlines()[-1] == "domain:alpha.com"

    bad = subprocess.run(
        [sys.executable, "-m", "bot", "history", "--db", str(db_path), "--guild", str(G), "--since", "soon"],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "ISO date" in bad.stderr
