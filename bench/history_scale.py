"""History at scale: 1,000,000 reviews, 6,000,000 votes, 1,000 guilds, in one SQLite file.

Run by hand: ``python bench/history_scale.py [--scale 1.0] [--db PATH] [--reuse]``, or on PostgreSQL
``python bench/history_scale.py --postgres URL [--reuse] [--plans FILE] [--demo-sql "CREATE INDEX ..."]``
(loaded with COPY, then VACUUM ANALYZE; EXPLAIN (ANALYZE, BUFFERS) instead of EXPLAIN QUERY PLAN,
flagging any Seq Scan of a big table; lookups and pages aim at p95 <= 20 ms). Generation takes a
few minutes at full scale; ``--reuse`` keeps a finished file between runs. Prints p50/p95 of the
domain lookups (/checklink's domain memory, the dossier) and of /history pages under several filter
combinations, the time and peak memory growth of exporting the big guild's 100,000 reviews in every
format, and EXPLAIN QUERY PLAN of every distinct statement those calls ran, flagging any full SCAN of
reviews or votes. Everything goes through the same aiosqlite Database the bot uses.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bot.history.export import (  # noqa: E402
    export_disavow,
    export_json,
    export_reviews_csv,
    export_votes_csv,
)
from bot.history.filters import HistoryFilter  # noqa: E402
from bot.history.paging import PageCursor  # noqa: E402
from bot.storage import history as store  # noqa: E402
from bot.storage.database import Database  # noqa: E402

FACTORS = ("relevance", "content_quality", "anchor_text", "placement", "outbound_links", "overall")
CHOICES = ("good", "unsure", "bad")
WORDS = "guest post sponsored gardening compost bins review niche edit travel finance crypto recipe".split()
BIG_GUILD = 1
DONE_KEY = "history_bench_complete"
T_START = 1_700_000_000.0
SPAN = 2 * 365 * 86400.0


def _verdict_pool(rng: random.Random) -> list[tuple[str, str]]:
    pool = []
    for _ in range(64):
        answers = {f: rng.choice(("good", "good", "unsure", "bad", "no_consensus")) for f in FACTORS}
        risk = rng.choices(("low", "medium", "high", "no_consensus"), (40, 30, 20, 10))[0]
        pool.append((risk, json.dumps({"community_risk": risk, "factors": {k: {"answer": v} for k, v in answers.items()}})))
    return pool


REVIEW_COLUMNS = (
    "id", "guild_id", "check_id", "requester_id", "origin_channel_id", "channel_id", "thread_id", "url", "domain",
    "target", "note", "status", "bot_risk_level", "bot_risk_score", "community_risk", "verdict_json", "created_at",
    "deadline_at", "closed_at", "close_reason",
)
VOTE_COLUMNS = ("review_id", "factor", "member_id", "choice", "guild_id", "voted_at")
CHECK_COLUMNS = ("id", "guild_id", "channel_id", "member_id", "url", "domain", "report_json", "risk_level",
                 "risk_score", "created_at")
AUDIT_COLUMNS = ("guild_id", "review_id", "actor_id", "action", "detail", "created_at")
Batch = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]


def batches(scale: float, seed: int = 7, batch: int = 50_000) -> Iterator[tuple[int, Batch]]:
    """The synthetic history, in batches of reviews with their votes, checks and audit rows: the
    same rows (same seed) whichever engine they are loaded into."""
    rng = random.Random(seed)
    n_reviews = int(1_000_000 * scale)
    n_guilds = max(2, int(1000 * scale)) if scale < 1 else 1000
    big_reviews = min(100_000, n_reviews // 2)
    verdicts = _verdict_pool(rng)
    # Domains: the big guild draws from 20,000 names, the rest from 200,000, both skewed so some
    # domains come up again and again (the realistic case for domain memory).
    big_domains = [f"site{i}.example" for i in range(20_000)]
    all_domains = [f"web{i}.example" for i in range(200_000)]

    def pick(domains: list[str]) -> str:
        return domains[int(len(domains) * rng.random() ** 3)]

    review_id = 0
    check_id = 0
    produced = 0
    while produced < n_reviews:
        reviews, votes, checks, audits = [], [], [], []
        for _ in range(min(batch, n_reviews - produced)):
            produced += 1
            review_id += 1
            # The big guild gets every (n_reviews / big_reviews)-th review, so it spans the whole period.
            if produced % (n_reviews // big_reviews) == 0 and big_reviews:
                guild, domains, members = BIG_GUILD, big_domains, 3000
            else:
                guild, domains, members = rng.randrange(2, n_guilds + 1), all_domains, 60
            created = T_START + SPAN * produced / n_reviews + rng.random()
            domain = pick(domains)
            member_base = 10**17 + guild * 10_000
            requester = member_base + rng.randrange(members)
            roll = rng.random()
            status = "open" if roll < 0.02 else "deleted" if roll < 0.03 else "closed"
            risk, verdict = rng.choice(verdicts)
            if status == "open":
                risk, verdict = None, None
            bot_risk = None if rng.random() < 0.05 else rng.choice(("low", "medium", "high"))
            note = " ".join(rng.sample(WORDS, 3)) if rng.random() < 0.3 else None
            cid = None
            if rng.random() < 0.3:
                check_id += 1
                cid = check_id
                checks.append((cid, guild, 1, requester, f"https://{domain}/p{review_id}", domain, '{"risk": "x"}',
                               bot_risk or "medium", 50, created - 30))
            reviews.append((
                review_id, guild, cid, requester, 1, 2, 900_000_000 + review_id, f"https://{domain}/post-{review_id}",
                domain, "", note, status, bot_risk, 50, risk, verdict, created, created + 259200,
                created + 200000 if status == "closed" else None, "deadline" if status == "closed" else None,
            ))
            voters = rng.sample(range(members), 3)
            for v in voters:
                for f in rng.sample(FACTORS, 2):
                    votes.append((review_id, f, member_base + v, rng.choice(CHOICES), guild, created + 100))
            if guild == BIG_GUILD:
                audits.append((guild, review_id, requester, "opened", None, created))
                if status == "closed":
                    audits.append((guild, review_id, None, "closed", "deadline", created + 200000.0))
        yield produced, (reviews, votes, checks, audits)


def _insert(table: str, columns: tuple[str, ...]) -> str:
    # Table and column names are the constants above.
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608


def generate(path: Path, scale: float, seed: int = 7) -> None:
    """Bulk load with plain sqlite3: indexes dropped, rows inserted in big transactions, indexes rebuilt."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -500000")
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN ('reviews', 'votes', 'checks', 'audit_log')"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    for produced, (reviews, votes, checks, audits) in batches(scale, seed):
        conn.executemany(_insert("reviews", REVIEW_COLUMNS), reviews)
        conn.executemany(_insert("votes", VOTE_COLUMNS), votes)
        conn.executemany(_insert("checks", CHECK_COLUMNS), checks)
        conn.executemany(_insert("audit_log", AUDIT_COLUMNS), audits)
        if produced % 200_000 < 50_000:
            print(f"  {produced:,} reviews  {time.perf_counter() - t0:.0f} s", flush=True)
    conn.execute("COMMIT")
    t_rows = time.perf_counter() - t0
    for _name, sql in indexes:
        conn.execute(sql)
    t_indexes = time.perf_counter() - t0 - t_rows
    conn.execute("INSERT OR REPLACE INTO bot_state (key, value) VALUES (?, ?)", (DONE_KEY, json.dumps({"scale": scale})))
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    print(f"generated in {t_rows:.0f} s (rows) + {t_indexes:.0f} s (indexes)")


async def generate_postgres(url: str, scale: float, seed: int = 7) -> None:
    """Bulk load on PostgreSQL: the real migrations' schema, its secondary indexes dropped, the rows
    sent with COPY (asyncpg copy_records_to_table) per batch of 50,000 reviews in one transaction,
    foreign-key triggers off while loading (session_replication_role = replica), the indexes
    rebuilt, the identity sequences moved past the ids, then VACUUM ANALYZE."""
    import asyncpg

    db = await Database.open(url, migrate=False)
    await db.execute("DROP SCHEMA public CASCADE")
    await db.execute("CREATE SCHEMA public")
    await db.close()
    db = await Database.open(url)  # schema and indexes via the real migrations
    conn = await asyncpg.connect(url)
    try:
        indexes = await conn.fetch(
            "SELECT i.indexname, i.indexdef FROM pg_indexes AS i WHERE i.schemaname = 'public' "
            "AND i.tablename IN ('reviews', 'votes', 'checks', 'audit_log') AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint AS c WHERE c.conname = i.indexname)")
        for row in indexes:
            await conn.execute(f'DROP INDEX "{row["indexname"]}"')
        await conn.execute("SET session_replication_role = replica")
        t0 = time.perf_counter()
        for produced, (reviews, votes, checks, audits) in batches(scale, seed):
            async with conn.transaction():
                await conn.copy_records_to_table("checks", records=checks, columns=CHECK_COLUMNS)
                await conn.copy_records_to_table("reviews", records=reviews, columns=REVIEW_COLUMNS)
                await conn.copy_records_to_table("votes", records=votes, columns=VOTE_COLUMNS)
                await conn.copy_records_to_table("audit_log", records=audits, columns=AUDIT_COLUMNS)
            if produced % 200_000 < 50_000:
                print(f"  {produced:,} reviews  {time.perf_counter() - t0:.0f} s", flush=True)
        await conn.execute("RESET session_replication_role")
        t_rows = time.perf_counter() - t0
        for row in indexes:
            await conn.execute(row["indexdef"])
        t_indexes = time.perf_counter() - t0 - t_rows
        await db.reset_id_sequences()  # type: ignore[attr-defined]
        await conn.execute("VACUUM ANALYZE")
        t_analyze = time.perf_counter() - t0 - t_rows - t_indexes
        await conn.execute(
            "INSERT INTO bot_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            DONE_KEY, json.dumps({"scale": scale}))
    finally:
        await conn.close()
        await db.close()
    print(f"generated in {t_rows:.0f} s (rows, COPY) + {t_indexes:.0f} s (indexes) + {t_analyze:.0f} s (VACUUM ANALYZE)")


class RecordingDatabase:
    """Remembers every statement run, to EXPLAIN exactly what the history functions execute.
    A proxy around either engine's Database: everything else is the inner database's."""

    def __init__(self, inner: Database) -> None:
        self.inner = inner
        self.dialect = inner.dialect
        self.seen: dict[tuple[str, str], tuple[str, list[Any]]] = {}
        self.label = ""

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def _note(self, sql: str, params: Any) -> None:
        # Per statement AND label: the same text under another filter (a rare word instead of a
        # common one, a cursor at the newest end) can take another plan, so each gets its EXPLAIN.
        key = " ".join(sql.split())
        if (self.label, key) not in self.seen and not key.startswith("PRAGMA"):
            self.seen[(self.label, key)] = (self.label, list(params))

    async def execute(self, sql: str, params: Any = ()) -> Any:
        self._note(sql, params)
        return await self.inner.execute(sql, params)

    async def fetchone(self, sql: str, params: Any = ()) -> Any:
        self._note(sql, params)
        return await self.inner.fetchone(sql, params)

    async def fetchall(self, sql: str, params: Any = ()) -> Any:
        self._note(sql, params)
        return await self.inner.fetchall(sql, params)


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95, ordered[-1]


async def timed(label: str, runs: list[Callable[[], Awaitable[Any]]], aim_ms: float | None = None) -> None:
    samples = []
    for run in runs:
        t = time.perf_counter()
        await run()
        samples.append((time.perf_counter() - t) * 1000)
    p50, p95, worst = percentiles(samples)
    verdict = "" if aim_ms is None else ("  ok" if p95 <= aim_ms else f"  OVER {aim_ms:.0f} ms aim")
    print(f"  {label:<44} n={len(samples):<4} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  max {worst:7.2f} ms{verdict}")


async def sample_keys(db: Database, rng: random.Random, count: int) -> dict[str, list[Any]]:
    big = [tuple(r) for r in await db.fetchall(
        "SELECT guild_id, domain, requester_id, created_at, id FROM reviews WHERE guild_id = ? "
        "AND id % 97 = 0 LIMIT 5000", (BIG_GUILD,))]
    small = [tuple(r) for r in await db.fetchall(
        "SELECT guild_id, domain, requester_id, created_at, id FROM reviews WHERE id % 997 = 0 LIMIT 5000")]
    voters = [tuple(r) for r in await db.fetchall(
        "SELECT guild_id, member_id FROM votes WHERE review_id IN "
        "(SELECT id FROM reviews WHERE guild_id = ? AND id % 101 = 0 LIMIT 300)", (BIG_GUILD,))]
    newest = [tuple(r) for r in await db.fetchall(
        "SELECT guild_id, domain, requester_id, created_at, id FROM reviews WHERE guild_id = ? "
        "ORDER BY created_at DESC, id DESC LIMIT 200", (BIG_GUILD,))][10:]
    return {
        "newest": [rng.choice(newest) for _ in range(count)],
        "big": [rng.choice(big) for _ in range(count)],
        "small": [rng.choice(small) for _ in range(count)],
        "voters": [rng.choice(voters) for _ in range(count)],
    }


async def measure_lookups(db: RecordingDatabase, keys: dict[str, list[Any]]) -> None:
    print("\nDomain lookups (aim: p95 <= 20 ms)")
    for where in ("big", "small"):
        rows = keys[where]
        db.label = f"domain_memory ({where})"
        await timed(db.label, [lambda g=g, d=d: store.domain_memory(db, g, d) for g, d, *_ in rows], 20)
        db.label = f"domain_dossier ({where})"
        await timed(db.label, [lambda g=g, d=d: store.domain_dossier(db, g, d) for g, d, *_ in rows], 20)
        db.label = f"domain history page ({where})"
        await timed(db.label, [
            lambda g=g, d=d: store.browse_reviews(db, g, HistoryFilter(domain=d)) for g, d, *_ in rows
        ], 20)


async def measure_pages(db: RecordingDatabase, keys: dict[str, list[Any]], aim: float = 50) -> None:
    print(f"\n/history pages, 10 rows (aim: p95 <= {aim:.0f} ms)")
    big, small, voters = keys["big"], keys["small"], keys["voters"]
    since = int(T_START + SPAN * 0.4)
    until = int(T_START + SPAN * 0.45)
    combos: list[tuple[str, list[tuple[int, HistoryFilter, PageCursor | None]]]] = [
        ("no filter, first page", [(g, HistoryFilter(), None) for g, *_ in big[:1]] * 50),
        ("no filter, deep page (keyset)", [(g, HistoryFilter(), PageCursor(c, i)) for g, _, _, c, i in big]),
        ("no filter, page 2..20 (cursor near newest)", [(g, HistoryFilter(), PageCursor(c, i))
                                                        for g, _, _, c, i in keys["newest"]]),
        ("member as requester or voter", [(g, HistoryFilter(member_id=m), None) for g, m in voters]),
        ("member + deep cursor", [(g, HistoryFilter(member_id=m), PageCursor(c, i))
                                  for (g, m), (_, _, _, c, i) in zip(voters, big, strict=False)]),
        ("verdict=high", [(g, HistoryFilter(verdict="high"), None) for g, *_ in big]),
        ("verdict=high, deep", [(g, HistoryFilter(verdict="high"), PageCursor(c, i)) for g, _, _, c, i in big]),
        ("risk=low + verdict=high", [(g, HistoryFilter(risk="low", verdict="high"), None) for g, *_ in big]),
        ("status=open", [(g, HistoryFilter(status="open"), None) for g, *_ in big]),
        ("status=closed + verdict=no_consensus", [(g, HistoryFilter(status="closed", verdict="no_consensus"), None)
                                                  for g, *_ in big]),
        ("date range (5% of 2 years)", [(g, HistoryFilter(since=since, until=until), None) for g, *_ in big]),
        ("text 'compost'", [(g, HistoryFilter(text="compost"), None) for g, *_ in big]),
        ("text, rare word (whole guild)", [(g, HistoryFilter(text="zzzz-not-there"), None) for g, *_ in big[:20]]),
        ("text + date range", [(g, HistoryFilter(text="finance", since=since, until=until), None) for g, *_ in big]),
        ("small guilds, domain + verdict", [(g, HistoryFilter(domain=d, verdict="high"), None) for g, d, *_ in small]),
        ("small guilds, no filter", [(g, HistoryFilter(), None) for g, *_ in small]),
    ]
    for label, cases in combos:
        db.label = f"page: {label}"
        await timed(label, [lambda g=g, f=f, c=c: store.browse_reviews(db, g, f, c) for g, f, c in cases], aim)
    print("\nOther reads (no aim given; for the record)")
    db.label = "count_reviews (big guild, verdict=high)"
    await timed(db.label, [lambda: store.count_reviews(db, BIG_GUILD, HistoryFilter(verdict="high"))] * 10)
    db.label = "review_detail (big guild)"
    await timed(db.label, [lambda i=i: store.review_detail(db, BIG_GUILD, i) for _, _, _, _, i in big[:100]])
    db.label = "reviewer_stats (big guild voter)"
    await timed(db.label, [lambda g=g, m=m: store.reviewer_stats(db, g, m) for g, m in voters[:50]])
    db.label = "leaderboard top 10 (big guild, 600k votes)"
    await timed(db.label, [lambda: store.leaderboard(db, BIG_GUILD, top=10)] * 5)
    db.label = "leaderboard top 10 (small guild)"
    await timed(db.label, [lambda g=g: store.leaderboard(db, g, top=10) for g, *_ in small[:50]])


async def _drain(chunks: AsyncIterator[bytes]) -> tuple[int, int]:
    total = count = 0
    async for chunk in chunks:
        total += len(chunk)
        count += 1
    return total, count


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure_exports(db: RecordingDatabase) -> None:
    db.label = "count_reviews (big guild)"
    n = await store.count_reviews(db, BIG_GUILD)
    print(f"\nExports of the big guild ({n:,} reviews; aim: <= 50 MB peak memory growth)")
    exports: list[tuple[str, Callable[[], AsyncIterator[bytes]]]] = [
        ("reviews.csv", lambda: export_reviews_csv(db, BIG_GUILD)),
        ("votes.csv", lambda: export_votes_csv(db, BIG_GUILD)),
        ("json (reviews + votes)", lambda: export_json(db, BIG_GUILD, now=time.time())),
        ("disavow", lambda: export_disavow(db, BIG_GUILD, now=time.time())),
    ]
    for label, make in exports:
        db.label = f"export {label}"
        rss0 = _rss_mb()
        t = time.perf_counter()
        size, chunks = await _drain(make())
        elapsed = time.perf_counter() - t
        rss_growth = _rss_mb() - rss0
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        await _drain(make())
        peak = (tracemalloc.get_traced_memory()[1] - base) / 2**20
        tracemalloc.stop()
        flag = "ok" if peak <= 50 else "OVER"
        print(
            f"  {label:<24} {size / 2**20:7.1f} MB in {chunks:5d} chunks  {elapsed:6.2f} s  "
            f"peak Python allocations {peak:5.1f} MB ({flag})  RSS growth {rss_growth:+5.1f} MB"
        )


_BAD_SCAN = ("SCAN r", "SCAN reviews", "SCAN v", "SCAN votes", "SCAN m", "SCAN d", "SCAN c", "SCAN checks", "SCAN a")


async def explain_all(db: RecordingDatabase) -> int:
    print("\nEXPLAIN QUERY PLAN of every distinct statement run above")
    problems = 0
    for (_, sql), (label, params) in db.seen.items():
        if sql.startswith(("SELECT guild_id, domain, requester_id", "SELECT guild_id, member_id")):
            continue  # the benchmark's own sampling
        rows = await db.conn.execute_fetchall("EXPLAIN QUERY PLAN " + sql, params)
        plan = [str(r[3]) for r in rows]
        bad = [p for p in plan if p.startswith(_BAD_SCAN) and "USING" not in p]
        problems += bool(bad)
        print(f"\n[{label}]{'  <-- FULL SCAN' if bad else ''}\n  {sql[:300]}{'...' if len(sql) > 300 else ''}")
        for line in plan:
            print(f"    {line}")
    print(f"\nstatements with a full SCAN of a table: {problems}")
    return problems


_PG_BAD = ("Seq Scan on reviews", "Seq Scan on votes", "Seq Scan on checks", "Seq Scan on audit_log")


async def explain_postgres(db: RecordingDatabase, url: str, out: Path | None) -> int:
    """EXPLAIN (ANALYZE, BUFFERS) of every distinct statement run above, with the parameters of its
    first run: a one-line summary each here, the whole plans in `out`."""
    import asyncpg

    from bot.storage.dialect import to_numbered

    print("\nEXPLAIN (ANALYZE, BUFFERS) of every distinct statement run above (first run's parameters)")
    conn = await asyncpg.connect(url)
    problems = 0
    full: list[str] = []
    try:
        for (_, sql), (label, params) in db.seen.items():
            if sql.startswith(("SELECT guild_id, domain, requester_id", "SELECT guild_id, member_id")):
                continue  # the benchmark's own sampling
            await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + to_numbered(sql), *params)  # warm
            rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + to_numbered(sql), *params)
            plan = [r[0] for r in rows]
            bad = [line for line in plan if any(b in line for b in _PG_BAD)]
            problems += bool(bad)
            executed = next((line for line in plan if line.startswith("Execution Time")), "")
            nodes = [line.strip().lstrip("-> ").split("  (")[0] for line in plan
                     if ("Scan" in line or "Sort" in line or "Limit" in line) and "(actual" in line]
            print(f"\n[{label}] {executed}{'  <-- SEQ SCAN' if bad else ''}")
            print(f"  {sql[:240]}{'...' if len(sql) > 240 else ''}")
            for node in nodes[:8]:
                print(f"    {node}")
            full.append(f"[{label}]\n{sql}\nparams: {params!r}\n" + "\n".join(plan) + "\n")
    finally:
        await conn.close()
    if out is not None:
        await asyncio.to_thread(out.write_text, "\n".join(full))
        print(f"\nwhole plans written to {out}")
    print(f"\nstatements with a Seq Scan of a big table: {problems}")
    return problems


async def probe_newer(url: str, keys: dict[str, list[Any]]) -> None:
    """The "is there a newer page" probe (history._exists_beyond) as written, against the same test
    as a top-level ORDER BY ... LIMIT 1, for cursors near the newest end and deep in the guild:
    EXISTS plans for the first row and may pick a Seq Scan, which finds no early match when the
    cursor is near the newest end (rows are stored in time order). bot/ uses the second form since
    its connections force custom plans (migration 0008); the first is kept for comparison."""
    import asyncpg

    where = "r.guild_id = $1 AND r.status != 'deleted' AND (r.created_at, r.id) > ($2, $3)"
    forms = {
        "EXISTS (before 0008)": f"SELECT EXISTS (SELECT 1 FROM reviews AS r WHERE {where})",  # noqa: S608
        "ORDER BY ... LIMIT 1 (bot/)": f"SELECT 1 FROM reviews AS r WHERE {where} "  # noqa: S608
                                       "ORDER BY r.created_at, r.id LIMIT 1",
    }
    print("\nNewer-page probe (has_newer), raw statement on one connection (aim: p95 <= 20 ms)")
    conn = await asyncpg.connect(url)
    try:
        for which in ("newest", "big"):
            rows = keys[which][:100]
            for label, sql in forms.items():
                samples = []
                for g, _, _, c, i in rows:
                    t = time.perf_counter()
                    await conn.fetch(sql, g, c, i)
                    samples.append((time.perf_counter() - t) * 1000)
                p50, p95, worst = percentiles(samples)
                plan = [r[0] for r in await conn.fetch("EXPLAIN " + sql, *rows[0][:1], *rows[0][3:])]
                top = next((line.strip().lstrip("-> ").split("  (")[0] for line in plan if "Scan" in line), "")
                print(f"  {which:<7} {label:<32} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  max {worst:7.2f} ms  plan: {top}")
    finally:
        await conn.close()


async def main_postgres(args: argparse.Namespace) -> int:
    from bench._pg import settings

    url = args.postgres
    reuse = False
    if args.reuse:
        db = await Database.open(url)
        row = await db.fetchone("SELECT value FROM bot_state WHERE key = ?", (DONE_KEY,))
        await db.close()
        reuse = row is not None and json.loads(row[0]).get("scale") == args.scale
    if not reuse:
        print(f"generating {int(1_000_000 * args.scale):,} reviews into {url}")
        await generate_postgres(url, args.scale)
    else:
        print(f"reusing {url}")
    print(await settings(url))
    db = RecordingDatabase(await Database.open(url))
    try:
        for statement in args.demo_sql:
            t = time.perf_counter()
            await db.inner.execute(statement)
            print(f"demo (bench database only): {statement}  [{time.perf_counter() - t:.1f} s]")
        if args.demo_sql:
            await db.inner.execute("ANALYZE reviews")
            await db.inner.execute("ANALYZE votes")
        counts = await db.fetchone(
            "SELECT (SELECT COUNT(*) FROM reviews), (SELECT COUNT(*) FROM votes), (SELECT COUNT(*) FROM checks), "
            "(SELECT COUNT(DISTINCT guild_id) FROM reviews), pg_database_size(current_database())")
        print(f"{counts[0]:,} reviews, {counts[1]:,} votes, {counts[2]:,} checks, {counts[3]:,} guilds; "
              f"database {counts[4] / 2**30:.2f} GiB")
        rng = random.Random(1)
        keys = await sample_keys(db, rng, args.samples)  # type: ignore[arg-type]
        db.seen.clear()
        await measure_lookups(db, keys)
        await measure_pages(db, keys, aim=20)
        await probe_newer(url, keys)
        if not args.no_exports:
            await measure_exports(db)
        problems = await explain_postgres(db, url, args.plans)
    finally:
        await db.close()
    return 1 if problems else 0


def _remove_db_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "second-opinion-history-bench.sqlite3")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1,000,000 reviews")
    parser.add_argument("--reuse", action="store_true", help="keep an already generated file")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--postgres", metavar="URL", help="load and measure on this PostgreSQL database instead "
                        "(its public schema is emptied and reloaded unless --reuse finds a finished load)")
    parser.add_argument("--plans", type=Path, help="PostgreSQL: write every whole EXPLAIN ANALYZE plan to this file")
    parser.add_argument("--demo-sql", action="append", default=[], metavar="SQL",
                        help="PostgreSQL: run this (e.g. CREATE INDEX ...) on the bench database before measuring")
    parser.add_argument("--no-exports", action="store_true", help="skip the exports")
    args = parser.parse_args()
    if args.postgres:
        return await main_postgres(args)

    reuse = False
    if args.reuse and args.db.exists():
        db = await Database.open(args.db)
        row = await db.fetchone("SELECT value FROM bot_state WHERE key = ?", (DONE_KEY,))
        await db.close()
        reuse = row is not None and json.loads(row[0]).get("scale") == args.scale
    if not reuse:
        _remove_db_files(args.db)
        await (await Database.open(args.db)).close()  # schema and indexes via the real migrations
        print(f"generating {int(1_000_000 * args.scale):,} reviews into {args.db}")
        generate(args.db, args.scale)
    else:
        print(f"reusing {args.db}")
    db = RecordingDatabase(await Database.open(args.db))
    try:
        counts = await db.fetchone(
            "SELECT (SELECT COUNT(*) FROM reviews), (SELECT COUNT(*) FROM votes), (SELECT COUNT(*) FROM checks), "
            "(SELECT COUNT(DISTINCT guild_id) FROM reviews)")
        print(f"{counts[0]:,} reviews, {counts[1]:,} votes, {counts[2]:,} checks, {counts[3]:,} guilds; "
              f"file {args.db.stat().st_size / 2**30:.2f} GiB; SQLite {sqlite3.sqlite_version}")
        rng = random.Random(1)
        keys = await sample_keys(db, rng, args.samples)
        db.seen.clear()
        await measure_lookups(db, keys)
        await measure_pages(db, keys)
        if not args.no_exports:
            await measure_exports(db)
        problems = await explain_all(db)
    finally:
        await db.close()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
