from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator

import pytest

from bot.history.export import (
    REVIEW_COLUMNS,
    VOTE_COLUMNS,
    PartTooLargeError,
    export_disavow,
    export_json,
    export_reviews_csv,
    export_votes_csv,
    guard_cell,
    iso_time,
    split_into_parts,
)
from bot.history.filters import HistoryFilter

from .fixtures import DAY, T0, Rev, add_review, verdict_json

G = 1001
OTHER = 2002
NOW = T0 + 100 * DAY


async def collect(chunks: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in chunks])


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.fixture
async def history(db):
    ids = {}
    ids["quoted"] = await add_review(db, Rev(
        G, "alpha.com", T0, requester_id=123456789012345678, community_risk="high",
        url='https://alpha.com/a,"quoted"', note='line one\nline two, with "quotes"', keyword="=HYPERLINK(\"x\")",
        verdict=verdict_json("high", relevance="bad", overall="bad"),
        votes=[("relevance", 20, "bad"), ("overall", 20, "bad"), ("overall", 21, "good")],
    ))
    ids["evil"] = await add_review(db, Rev(
        G, "beta.com", T0 + DAY, community_risk="low", note="+1 great @admin", target="-2+3",
        verdict=verdict_json("low", overall="good"), votes=[("overall", 22, "good")],
    ))
    ids["open"] = await add_review(db, Rev(G, "gamma.org", T0 + 2 * DAY, status="open", note="ünïcödé ✓"))
    ids["deleted"] = await add_review(db, Rev(G, "delta.net", T0 + 3 * DAY, status="deleted", community_risk="high",
                                              votes=[("overall", 20, "bad")]))
    await add_review(db, Rev(OTHER, "alpha.com", T0, community_risk="high", note="other guild",
                             votes=[("overall", 20, "bad")]))
    return ids


def test_guard_cell() -> None:
    for evil in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert guard_cell(evil) == "'" + evil
    for fine in ("https://x", "plain", "", " =not first", "1-2"):
        assert guard_cell(fine) == fine
    assert guard_cell(5) == 5 and guard_cell(None) is None


async def test_reviews_csv_round_trips_and_matches_the_database(db, history) -> None:
    data = await collect(export_reviews_csv(db, G))
    rows = read_csv(data)
    assert list(rows[0].keys()) == list(REVIEW_COLUMNS)
    assert [int(r["id"]) for r in rows] == [history["open"], history["evil"], history["quoted"]]
    quoted = rows[2]
    db_row = await db.fetchone("SELECT url, note, requester_id, created_at FROM reviews WHERE id = ?",
                               (history["quoted"],))
    assert quoted["url"] == db_row["url"]  # commas and quotes survive proper quoting
    assert quoted["note"] == db_row["note"]  # so does a newline inside a cell
    assert quoted["requester_id"] == str(db_row["requester_id"])  # snowflake as exact text
    assert quoted["created_at"] == iso_time(db_row["created_at"]) == "2025-06-15T15:06:40Z"
    assert quoted["keyword"] == "'=HYPERLINK(\"x\")"
    assert (quoted["verdict_relevance"], quoted["verdict_overall"], quoted["verdict_placement"]) == ("bad", "bad", "")
    assert quoted["community_risk"] == "high" and quoted["status"] == "closed"
    evil = rows[1]
    assert evil["note"] == "'+1 great @admin" and evil["target"] == "'-2+3"
    assert rows[0]["note"] == "ünïcödé ✓" and rows[0]["closed_at"] == ""
    assert b"other guild" not in data and b"delta.net" not in data


async def test_votes_csv(db, history) -> None:
    rows = read_csv(await collect(export_votes_csv(db, G)))
    assert list(rows[0].keys()) == list(VOTE_COLUMNS)
    got = [(int(r["review_id"]), r["factor"], r["member_id"], r["choice"], r["final_answer"], r["agrees"])
           for r in rows]
    assert got == [
        (history["evil"], "overall", "22", "good", "good", "yes"),
        (history["quoted"], "overall", "20", "bad", "bad", "yes"),
        (history["quoted"], "overall", "21", "good", "bad", "no"),
        (history["quoted"], "relevance", "20", "bad", "bad", "yes"),
    ]
    db_count = await db.fetchone(
        "SELECT COUNT(*) FROM votes v JOIN reviews r ON r.id = v.review_id WHERE v.guild_id = ? "
        "AND r.status != 'deleted'", (G,))
    assert len(rows) == db_count[0]


async def test_csv_exports_follow_the_filter(db, history) -> None:
    rows = read_csv(await collect(export_reviews_csv(db, G, HistoryFilter(member_id=22))))
    assert [int(r["id"]) for r in rows] == [history["evil"]]
    votes = read_csv(await collect(export_votes_csv(db, G, HistoryFilter(domain="alpha.com"))))
    assert {int(r["review_id"]) for r in votes} == {history["quoted"]}
    empty = await collect(export_reviews_csv(db, G, HistoryFilter(domain="nowhere.com")))
    assert read_csv(empty) == [] and empty.startswith(b"id,created_at,")


async def test_json_export(db, history) -> None:
    doc = json.loads(await collect(export_json(db, G, HistoryFilter(status="closed"), now=NOW)))
    assert doc["generator"] == "Second Opinion" and doc["guild_id"] == str(G)
    assert doc["generated_at"] == iso_time(NOW) and doc["filter"] == {"status": "closed"}
    assert [r["id"] for r in doc["reviews"]] == [history["evil"], history["quoted"]]
    quoted = doc["reviews"][1]
    assert quoted["note"] == 'line one\nline two, with "quotes"'
    assert quoted["keyword"] == '=HYPERLINK("x")'  # JSON is data, not a spreadsheet: no guard
    assert {f["factor"]: f["answer"] for f in quoted["verdict"]["factors"]}["relevance"] == "bad"
    assert quoted["requester_id"] == "123456789012345678"
    assert [(v["review_id"], v["factor"], v["member_id"], v["agrees"]) for v in doc["votes"]] == [
        (history["evil"], "overall", "22", True),
        (history["quoted"], "overall", "20", True),
        (history["quoted"], "overall", "21", False),
        (history["quoted"], "relevance", "20", True),
    ]
    empty = json.loads(await collect(export_json(db, G, HistoryFilter(domain="none.com"), now=NOW)))
    assert empty["reviews"] == [] and empty["votes"] == []


async def test_exports_in_small_batches_match_one_big_batch(db) -> None:
    for i in range(53):
        await add_review(db, Rev(G, f"s{i % 5}.com", T0 + (i // 2), community_risk="low",
                                 votes=[("overall", 20 + i % 3, "good"), ("relevance", 30, "bad")]))
    for exporter in (export_reviews_csv, export_votes_csv):
        small = await collect(exporter(db, G, batch_size=4))
        big = await collect(exporter(db, G, batch_size=1000))
        assert small == big
    small = json.loads(await collect(export_json(db, G, now=NOW, batch_size=4)))
    big = json.loads(await collect(export_json(db, G, now=NOW)))
    assert small == big and len(small["reviews"]) == 53 and len(small["votes"]) == 106


async def test_json_second_pass_ignores_reviews_opened_during_the_export(db, monkeypatch) -> None:
    import bot.history.export as export

    monkeypatch.setattr(export, "CHUNK_BYTES", 1)  # a chunk after every batch, so we can interleave
    first = [await add_review(db, Rev(G, "x.com", T0 + i, votes=[("overall", 20, "good")])) for i in range(6)]
    chunks = []
    late = None
    async for chunk in export_json(db, G, now=NOW, batch_size=2):
        chunks.append(chunk)
        if late is None:
            late = await add_review(db, Rev(G, "x.com", T0 + 99, votes=[("overall", 21, "bad")]))
    doc = json.loads(b"".join(chunks))
    assert len(chunks) > 3
    assert sorted(r["id"] for r in doc["reviews"]) == first
    assert {v["review_id"] for v in doc["votes"]} == set(first)
    assert late not in {v["review_id"] for v in doc["votes"]}


async def test_disavow_file(db) -> None:
    # Latest closed verdict per domain decides.
    await add_review(db, Rev(G, "bad.com", T0, community_risk="high", closed_at=T0 + 1))
    await add_review(db, Rev(G, "redeemed.com", T0, community_risk="high", closed_at=T0 + 1))
    await add_review(db, Rev(G, "redeemed.com", T0 + 5, community_risk="low", closed_at=T0 + 6))
    await add_review(db, Rev(G, "fell.com", T0, community_risk="low", closed_at=T0 + 1))
    await add_review(db, Rev(G, "fell.com", T0 + 5, community_risk="high", closed_at=T0 + 6))
    await add_review(db, Rev(G, "fell.com", T0 + 9, status="open"))  # open: not a verdict
    await add_review(db, Rev(G, "spam.com", T0, status="deleted", community_risk="high", closed_at=T0 + 1))
    await add_review(db, Rev(G, "maybe.com", T0, community_risk="no_consensus"))
    await add_review(db, Rev(G, "bücher.de", T0, community_risk="high"))
    await add_review(db, Rev(OTHER, "othersbad.com", T0, community_risk="high"))

    text = (await collect(export_disavow(db, G, now=NOW))).decode("ascii")
    lines = text.splitlines()
    comments = [line for line in lines if line.startswith("#")]
    entries = [line for line in lines if not line.startswith("#")]
    assert lines[: len(comments)] == comments  # header first
    assert any("Second Opinion" in c for c in comments)
    assert f"# guild: {G}" in comments and f"# date: {iso_time(NOW)}" in comments
    assert "# domains: 3" in comments
    # In stored-name order; the internationalised name goes out as punycode.
    assert entries == ["domain:bad.com", "domain:xn--bcher-kva.de", "domain:fell.com"]

    since = (await collect(export_disavow(db, G, HistoryFilter(since=int(T0 + 1)), now=NOW))).decode()
    assert [line for line in since.splitlines() if line.startswith("domain:")] == ["domain:fell.com"]
    other = (await collect(export_disavow(db, OTHER, now=NOW))).decode()
    assert [line for line in other.splitlines() if line.startswith("domain:")] == ["domain:othersbad.com"]


async def test_disavow_reads_many_domains_in_batches(db, monkeypatch) -> None:
    import bot.storage.history as storage

    names = [f"site{i:03d}.com" for i in range(25)]
    for i, name in enumerate(names):
        await add_review(db, Rev(G, name, T0 + i, community_risk="high" if i % 2 == 0 else "low"))
    monkeypatch.setattr(storage, "DISAVOW_BATCH", 4)
    batches = [b async for b in storage.iter_disavow_domains(db, G, batch_size=4)]
    assert [len(b) for b in batches] == [4, 4, 4, 1]
    assert [d for b in batches for d in b] == names[::2]


async def _stream(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def test_split_into_parts_repeats_the_header() -> None:
    header = b"h1,h2\r\n"
    rows = [b"a" * 10, b"b" * 10, b"c" * 10, b"d" * 10]
    parts = [p async for p in split_into_parts(_stream(header, *rows), 7 + 20, repeat_header=True)]
    assert parts == [header + rows[0] + rows[1], header + rows[2] + rows[3]]
    assert all(len(p) <= 27 for p in parts)
    only_header = [p async for p in split_into_parts(_stream(header), 100, repeat_header=True)]
    assert only_header == [header]


async def test_split_into_parts_without_header_and_limits() -> None:
    parts = [p async for p in split_into_parts(_stream(b"12345", b"678", b"", b"90"), 8)]
    assert parts == [b"12345678", b"90"]
    assert [p async for p in split_into_parts(_stream(), 8)] == []
    with pytest.raises(PartTooLargeError):
        [p async for p in split_into_parts(_stream(b"123456789"), 8)]
    with pytest.raises(PartTooLargeError):
        [p async for p in split_into_parts(_stream(b"header", b"x"), 6, repeat_header=True)]
    with pytest.raises(ValueError):
        [p async for p in split_into_parts(_stream(b"x"), 0)]


async def test_split_real_csv_export_gives_files_that_each_parse(db) -> None:
    for i in range(500):
        await add_review(db, Rev(G, f"s{i}.com", T0 + i, note="n" * 200))
    whole = read_csv(await collect(export_reviews_csv(db, G, batch_size=50)))
    # Chunks are about 64 KiB each, so a 100 KiB limit forces one chunk per part.
    parts = [p async for p in split_into_parts(export_reviews_csv(db, G, batch_size=50), 100_000,
                                                repeat_header=True)]
    assert len(parts) >= 2 and all(len(p) <= 100_000 for p in parts)
    rejoined = [row for part in parts for row in read_csv(part)]
    assert rejoined == whole and len(whole) == 500
