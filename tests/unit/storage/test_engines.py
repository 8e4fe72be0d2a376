"""The engine layer itself: placeholders, migrations on both engines, PostgreSQL's locks and faults."""

from __future__ import annotations

import asyncio
import random
from contextlib import AsyncExitStack
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot.review.factors import FACTOR_IDS, Choice
from bot.review.votes import VoteEvent, VoteKey, apply_event
from bot.review_runtime.ingest import VoteIngestor
from bot.storage.database import (
    LATEST_VERSION,
    Database,
    IntegrityError,
    StorageOpenError,
    StorageUnavailableError,
    migrations_for,
)
from bot.storage.dialect import to_numbered
from bot.storage.postgres import MIGRATION_LOCK_KEY
from bot.storage.votes import VotesRepo
from tests.pg import free_port, fresh_database
from tests.unit.storage.helpers import NOW, open_review


def test_placeholders_are_numbered_outside_quotes_and_comments() -> None:
    assert to_numbered("SELECT ? , ?") == "SELECT $1 , $2"
    assert to_numbered("WHERE a = ?1 AND b = ?2 OR c = ?1") == "WHERE a = $1 AND b = $2 OR c = $1"
    assert to_numbered("SELECT '?', \"a?\", ? -- what?\n, ?") == "SELECT '?', \"a?\", $1 -- what?\n, $2"
    assert to_numbered("SELECT 'it''s ?', ?") == "SELECT 'it''s ?', $1"
    with pytest.raises(ValueError, match="both"):
        to_numbered("SELECT ?1, ?")


def test_every_migration_has_one_base_file_and_variants_name_an_engine() -> None:
    sqlite, postgres = migrations_for("sqlite"), migrations_for("postgresql")
    assert [m.number for m in sqlite] == [m.number for m in postgres] == list(range(1, LATEST_VERSION + 1))
    assert [m.name for m in sqlite] == [m.name for m in postgres]


# Indexes only PostgreSQL has, kept to what SQLite cannot build: the trigram indexes of /history
# search (0008_text_search.postgresql.sql; SQLite has no index for LIKE '%word%').
POSTGRESQL_ONLY_INDEXES = {"reviews_url_trgm", "reviews_note_trgm"}


async def _schema(db: Database) -> dict[str, object]:
    """Tables with their columns, and index names: what both engines must agree on."""
    if db.engine == "sqlite":
        tables = [r[0] for r in await db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        columns = {t: sorted(r[0] for r in await db.fetchall("SELECT name FROM pragma_table_info(?)", (t,)))
                   for t in tables}
        indexes = [r[0] for r in await db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")]
    else:
        tables = [r[0] for r in await db.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_name != 'schema_version'")]
        columns = {t: sorted(r[0] for r in await db.fetchall(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ?",
            (t,))) for t in tables}
        # Indexes PostgreSQL makes for primary keys and UNIQUE columns are not named in the SQL.
        indexes = [r[0] for r in await db.fetchall(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' "
            "AND indexname NOT LIKE '%\\_pkey' AND indexname NOT LIKE '%\\_key'")]
    return {"columns": columns, "indexes": sorted(indexes)}


async def test_both_engines_reach_the_same_schema(tmp_path: Path, pg_url: str) -> None:
    async with await Database.open(tmp_path / "s.sqlite3") as lite, await Database.open(pg_url) as pg:
        assert await lite.user_version() == await pg.user_version() == LATEST_VERSION
        lite_schema, pg_schema = await _schema(lite), await _schema(pg)
        pg_indexes = set(pg_schema["indexes"])  # type: ignore[call-overload]
        assert POSTGRESQL_ONLY_INDEXES <= pg_indexes
        pg_schema["indexes"] = sorted(pg_indexes - POSTGRESQL_ONLY_INDEXES)
        assert lite_schema == pg_schema


async def test_postgres_plans_each_search_with_its_word(pg_url: str) -> None:
    # A generic plan (PostgreSQL's choice after five runs of a prepared statement) would not see
    # the word, and a common word would go through the trigram indexes: every connection of the
    # pool asks for a custom plan.
    async with await Database.open(pg_url) as db:
        async with db.transaction():  # two statements on one connection, and a second one too
            assert (await db.fetchone("SHOW plan_cache_mode"))[0] == "force_custom_plan"
            assert (await db.fetchone("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")) is not None
        assert (await db.fetchone("SHOW plan_cache_mode"))[0] == "force_custom_plan"


async def test_postgres_role_that_may_not_create_pg_trgm_is_told_what_to_ask_for(
    pg_admin_dsn: str, pg_url: str
) -> None:
    # A role that owns its tables but not the database, without CREATE on it: the trusted pg_trgm
    # needs that privilege, so migration 0008 stops with one line naming the statement to ask for.
    name = pg_url.rsplit("/", 1)[1]
    role, password = f"so_limited_{name}", "limited-pw"
    admin = await asyncpg.connect(pg_admin_dsn)
    await admin.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'")
    owner = await asyncpg.connect(pg_url)
    try:
        await owner.execute(f'GRANT CREATE, USAGE ON SCHEMA public TO "{role}"')
        parts = urlsplit(pg_url)
        limited = urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}"))
        with pytest.raises(StorageOpenError) as refused:
            await Database.open(limited, password=password)
        text = str(refused.value)
        assert "\n" not in text and password not in text
        assert "0008_text_search" in text and "CREATE EXTENSION pg_trgm;" in text and f"database {name}" in text
        # Nothing of 0008 stays behind, and once the DBA has run it the same role migrates.
        assert await owner.fetchval("SELECT MAX(version) FROM schema_version") == 7
        await owner.execute("CREATE EXTENSION pg_trgm")
        async with await Database.open(limited, password=password) as db:
            assert await db.user_version() == LATEST_VERSION
    finally:
        await owner.execute(f'DROP OWNED BY "{role}"')  # its tables and grants in this database
        await owner.close()
        await admin.execute(f'DROP ROLE "{role}"')
        await admin.close()


async def test_postgres_processes_starting_together_migrate_once(pg_url: str) -> None:
    opened = await asyncio.gather(*(Database.open(pg_url) for _ in range(4)))
    try:
        for db in opened:
            assert await db.user_version() == LATEST_VERSION
        assert (await opened[0].fetchone("SELECT COUNT(*) FROM schema_version"))[0] == 1
    finally:
        for db in opened:
            await db.close()


async def test_postgres_migration_waits_for_the_advisory_lock(pg_url: str) -> None:
    # Another process holds the migration lock: opening waits for it instead of migrating beside it.
    holder = await asyncpg.connect(pg_url)
    try:
        tx = holder.transaction()
        await tx.start()
        await holder.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK_KEY)
        opening = asyncio.ensure_future(Database.open(pg_url))
        waiting = await holder.fetchval(
            "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        )
        while not waiting:  # ask the server until the opener queues on the lock (each ask yields)
            waiting = await holder.fetchval(
                "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            )
        assert not opening.done()
        await tx.commit()
        db = await opening
        try:
            assert await db.user_version() == LATEST_VERSION
        finally:
            await db.close()
    finally:
        await holder.close()


async def test_postgres_newer_schema_is_refused(pg_url: str) -> None:
    async with await Database.open(pg_url) as db:
        await db.execute("UPDATE schema_version SET version = ?", (LATEST_VERSION + 1,))
    with pytest.raises(RuntimeError, match="newer than this bot"):
        await Database.open(pg_url)


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
async def test_transactions_roll_back_and_do_not_nest(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    async with AsyncExitStack() as stack:
        if engine == "sqlite":
            target = str(tmp_path / "t.sqlite3")
        else:
            target = await stack.enter_async_context(fresh_database(request.getfixturevalue("pg_admin_dsn")))
        db = await Database.open(target)
        stack.push_async_callback(db.close)
        with pytest.raises(LookupError):
            async with db.transaction():
                await db.execute("INSERT INTO bot_state (key, value) VALUES (?, ?)", ("a", "b"))
                raise LookupError("fails half-way")
        assert await db.fetchone("SELECT * FROM bot_state") is None
        async with db.transaction():
            with pytest.raises(RuntimeError, match="nested"):
                async with db.transaction():
                    pass
        await db.execute("INSERT INTO bot_state (key, value) VALUES (?, ?)", ("a", "b"))
        with pytest.raises(IntegrityError):
            await db.execute("INSERT INTO bot_state (key, value) VALUES (?, ?)", ("a", "c"))
        result = await db.execute("UPDATE bot_state SET value = ? WHERE key = ?", ("d", "a"))
        assert result.rowcount == 1


async def test_postgres_other_tasks_do_not_join_an_open_transaction(pg_url: str) -> None:
    async with await Database.open(pg_url) as db:
        inside = asyncio.Event()
        release = asyncio.Event()

        async def writer() -> None:
            with pytest.raises(LookupError):
                async with db.transaction():
                    await db.execute("INSERT INTO bot_state (key, value) VALUES ('tx', 'x')")
                    inside.set()
                    await release.wait()
                    raise LookupError("rolled back")

        task = asyncio.ensure_future(writer())
        await inside.wait()
        # Another task's statement runs on another connection and commits on its own.
        await db.execute("INSERT INTO bot_state (key, value) VALUES ('other', 'y')")
        release.set()
        await task
        assert [r[0] for r in await db.fetchall("SELECT key FROM bot_state")] == ["other"]


async def _terminate_others(admin_dsn: str, database: str) -> int:
    admin = await asyncpg.connect(admin_dsn)
    try:
        return int(await admin.fetchval(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        ))
    finally:
        await admin.close()


async def test_postgres_lost_connection_fails_the_transaction_and_the_next_statement_reconnects(
    pg_admin_dsn: str, pg_url: str
) -> None:
    name = pg_url.rsplit("/", 1)[1]
    async with await Database.open(pg_url) as db:
        with pytest.raises(StorageUnavailableError):
            async with db.transaction():
                await db.execute("INSERT INTO bot_state (key, value) VALUES ('lost', 'x')")
                assert await _terminate_others(pg_admin_dsn, name) >= 1
                await db.execute("INSERT INTO bot_state (key, value) VALUES ('lost2', 'x')")
        # Outside a transaction the statement is retried on a new connection.
        await _terminate_others(pg_admin_dsn, name)
        await db.execute("INSERT INTO bot_state (key, value) VALUES ('after', 'y')")
        assert [r[0] for r in await db.fetchall("SELECT key FROM bot_state")] == ["after"]


async def test_postgres_reaction_storm_survives_killed_connections(pg_admin_dsn: str, pg_url: str) -> None:
    name = pg_url.rsplit("/", 1)[1]
    main = await Database.open(pg_url)
    writer_db = await main.open_another()
    ingestor = VoteIngestor(writer_db)
    try:
        reviews = [await open_review(main, url=f"https://site{i}.test/") for i in range(2)]
        rng = random.Random(11)
        events = [
            VoteEvent(rng.choice(["add", "add", "remove"]), 1, rng.choice(reviews).id, rng.choice(FACTOR_IDS),
                      member, rng.choice(list(Choice)), NOW)  # type: ignore[arg-type]
            for member in range(1, 81) for _ in range(rng.randint(1, 10))
        ]
        rng.shuffle(events)
        # Order per key matters, not across keys: keep each member's events in their drawn order.
        events.sort(key=lambda e: e.member_id)
        kills = 0
        futures = []
        for i, event in enumerate(events):
            futures.append(ingestor.submit(event))
            if i % 97 == 50:
                await asyncio.sleep(0)  # let the writer take a batch, then pull its connection away
                kills += await _terminate_others(pg_admin_dsn, name)
        await ingestor.close()
        assert kills >= 1
        assert [f.exception() for f in futures if f.exception() is not None] == []
        assert ingestor.stats.failed_events == 0
        expected: dict[VoteKey, Choice] = {}
        for e in events:
            apply_event(expected, e)
        actual = {}
        for review in reviews:
            actual |= {v.key: v.choice for v in await VotesRepo(main).votes_for_review(review.id, 1)}
            tally = await VotesRepo(main).tally(review.id, 1)
            for f in FACTOR_IDS:
                for c in Choice:
                    want = sum(1 for k, v in expected.items() if k.review_id == review.id and k.factor == f and v == c)
                    assert tally.count(f, c) == want
        assert actual == expected
    finally:
        await ingestor.close()
        await writer_db.close()
        await main.close()


async def test_postgres_down_or_refusing_is_one_line_without_the_password(pg_admin_dsn: str) -> None:
    port = free_port()
    with pytest.raises(StorageOpenError) as down:
        await Database.open(f"postgresql://bot:s3cret-pw@127.0.0.1:{port}/so", password="other-secret")
    text = str(down.value)
    assert f"127.0.0.1:{port}/so" in text and "refused" in text
    assert "\n" not in text and "s3cret" not in text and "other-secret" not in text

    base = pg_admin_dsn.rsplit("@", 1)[1]
    with pytest.raises(StorageOpenError) as refused:
        await Database.open(f"postgresql://nobody-here@{base}", password="hunter2-secret")
    text = str(refused.value)
    assert base in text and "nobody-here" in text and "\n" not in text and "hunter2" not in text


async def test_postgres_identify_turns_are_spaced_and_queued_across_processes(pg_url: str) -> None:
    a, b = await Database.open(pg_url), await Database.open(pg_url)  # two processes
    try:
        slept: list[float] = []

        async def record(seconds: float) -> None:
            slept.append(seconds)

        assert await a.identify_turn(0, 3600.0, record) == 0.0 and slept == []  # nobody identified yet
        waited = await b.identify_turn(0, 3600.0, record)
        assert slept == [waited] and 0 < waited <= 3600.0  # the next one waits for the interval
        assert await b.identify_turn(1, 3600.0, record) == 0.0  # another bucket has its own turn

        # While one process holds its turn, the other queues on the bucket's lock.
        release = asyncio.Event()
        holding = asyncio.Event()

        async def hold(seconds: float) -> None:
            holding.set()
            await release.wait()

        first = asyncio.ensure_future(a.identify_turn(0, 3600.0, hold))
        await holding.wait()
        second = asyncio.ensure_future(b.identify_turn(0, 3600.0, record))
        waiting = 0
        while not waiting:  # ask the server until the second queues on the lock (each ask yields)
            waiting = (await a.fetchone(
                "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"))[0]
        assert not second.done()
        release.set()
        await first
        assert await second > 0
    finally:
        await a.close()
        await b.close()
