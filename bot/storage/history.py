"""Read queries behind /history, the domain dossier, reviewer stats, domain memory and exports.

Every statement is parameterised and starts from `guild_id = ?`; the only text spliced into SQL
is the constant fragments below, chosen by which filter fields are set. Pages are keyset pages on
(created_at, id) so they stay stable while reviews are added, and exports read in keyset batches
so memory stays bounded however long the history.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from bot.history.filters import FilterError, HistoryFilter
from bot.history.models import (
    CheckReport,
    CheckSummary,
    DomainDossier,
    DomainMemory,
    FactorTally,
    HistoryPage,
    ReviewDetail,
    ReviewerStats,
    ReviewSummary,
    RiskComparison,
    TimelineEntry,
    VoteRecord,
)
from bot.history.paging import PAGE_SIZE, PageCursor, PageState, pack_page_state
from bot.history.verdicts import FACTOR_IDS, factor_answers, json_object, vote_agrees
from bot.storage.database import Database
from bot.storage.dialect import SQLITE, Dialect
from bot.storage.reviews import REVIEW_COLUMNS, Review

_SUMMARY_COLUMNS = (
    "r.id, r.created_at, r.domain, r.url, r.requester_id, r.status, r.community_risk, r.bot_risk_level, r.thread_id"
)
# Every column of a review, in the order of bot.storage.reviews.Review.
_RECORD_COLUMNS = ", ".join(f"r.{name.strip()}" for name in REVIEW_COLUMNS.split(","))
# Reviews the member asked for or voted in. Driving the page from this id list (rowid lookups)
# beats walking the guild's whole timeline looking for a rare member.
_MEMBER_CLAUSE = (
    "r.id IN (SELECT m.id FROM reviews AS m WHERE m.guild_id = ? AND m.requester_id = ? "
    "UNION SELECT v.review_id FROM votes AS v WHERE v.guild_id = ? AND v.member_id = ?)"
)
# Case-insensitive on both engines: SQLite's LIKE ignores ASCII case, PostgreSQL's needs ILIKE.
_TEXT_CLAUSE = "(r.url {like} ? ESCAPE '\\' OR r.note {like} ? ESCAPE '\\')"
_OLDER = "(r.created_at, r.id) < (?, ?)"
_OLDER_OR_SAME = "(r.created_at, r.id) <= (?, ?)"
_NEWER = "(r.created_at, r.id) > (?, ?)"
_NEWEST_FIRST = "ORDER BY r.created_at DESC, r.id DESC"
_OLDEST_FIRST = "ORDER BY r.created_at ASC, r.id ASC"
EXPORT_BATCH = 500
DISAVOW_BATCH = 1000


def _sql(*fragments: str) -> str:
    """Join constant SQL fragments; values always travel as parameters."""
    return " ".join(fragments)


def escape_like(text: str) -> str:
    """User text as a LIKE pattern that matches it literally (used with ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(guild_id: int, flt: HistoryFilter, dialect: Dialect = SQLITE) -> tuple[list[str], list[Any]]:
    # A unary "+" keeps a term out of index selection (it still filters). SQLite has no statistics
    # here, so without these hints it would walk a whole guild's verdict index to find one domain.
    hint = dialect.no_index
    member = flt.member_id is not None
    clauses = [f"{hint}r.guild_id = ?" if member else "r.guild_id = ?", "r.status != 'deleted'"]
    params: list[Any] = [guild_id]
    if flt.domain is not None:
        clauses.append(f"{hint}r.domain = ?" if member else "r.domain = ?")
        params.append(flt.domain)
    if member:
        # Drive the page from the member's (few) review ids, then sort them: a rare member in a
        # big guild would otherwise cost a walk over the guild's whole timeline.
        clauses.append(_MEMBER_CLAUSE)
        params += [guild_id, flt.member_id, guild_id, flt.member_id]
    narrow = member or flt.domain is not None
    if flt.verdict is not None:
        clauses.append(f"{hint}r.community_risk = ?" if narrow else "r.community_risk = ?")
        params.append(flt.verdict)
    if flt.risk is not None:
        clauses.append(f"{hint}r.bot_risk_level = ?" if narrow or flt.verdict else "r.bot_risk_level = ?")
        params.append(flt.risk)
    if flt.status == "open":
        clauses.append("r.status IN ('opening', 'open')")
    elif flt.status == "closed":
        clauses.append("r.status = 'closed'")
    if flt.since is not None:
        clauses.append("r.created_at >= ?")
        params.append(flt.since)
    if flt.until is not None:
        clauses.append("r.created_at < ?")
        params.append(flt.until)
    for word in flt.words:
        pattern = "%" + escape_like(word) + "%"
        clauses.append(_TEXT_CLAUSE.format(like=dialect.ilike))
        params += [pattern, pattern]
    return clauses, params


def _summary(row: Any) -> ReviewSummary:
    return ReviewSummary(
        id=row[0],
        created_at=row[1],
        domain=row[2],
        url=row[3],
        requester_id=row[4],
        status=row[5],
        community_risk=row[6],
        bot_risk_level=row[7],
        thread_id=row[8],
    )


def _record(row: Any) -> Review:
    return Review(*tuple(row))


# ---------------------------------------------------------------------------------------------
# Browsing


def browse_sql(
    guild_id: int, flt: HistoryFilter, cursor: PageCursor | None, limit: int, dialect: Dialect = SQLITE
) -> tuple[str, list[Any]]:
    """The page query (exposed so the benchmark can EXPLAIN exactly what /history runs)."""
    clauses, params = _where(guild_id, flt, dialect)
    order = _NEWEST_FIRST
    if cursor is not None:
        clauses.append(_OLDER if cursor.direction == "older" else _NEWER)
        params += [cursor.created_at, cursor.review_id]
        if cursor.direction == "newer":
            order = _OLDEST_FIRST
    sql = _sql("SELECT", _SUMMARY_COLUMNS, "FROM reviews AS r WHERE", " AND ".join(clauses), order, "LIMIT ?")
    return sql, [*params, limit]


async def _exists_beyond(
    db: Database, guild_id: int, flt: HistoryFilter, created_at: float, review_id: int, *, older: bool
) -> bool:
    clauses, params = _where(guild_id, flt, db.dialect)
    clauses.append(_OLDER if older else _NEWER)
    params += [created_at, review_id]
    # The nearest row in the page's own order, not EXISTS: planned for each cursor (the bot's
    # PostgreSQL connections force custom plans), EXISTS may choose a Seq Scan hoping for an early
    # match, and a deep cursor finds none (62 ms p95 at 200,000 reviews, bench/history_scale.py).
    order = _NEWEST_FIRST if older else _OLDEST_FIRST
    sql = _sql("SELECT 1 FROM reviews AS r WHERE", " AND ".join(clauses), order, "LIMIT 1")
    return await db.fetchone(sql, params) is not None


async def browse_reviews(
    db: Database,
    guild_id: int,
    flt: HistoryFilter | None = None,
    cursor: PageCursor | None = None,
    *,
    page_size: int = PAGE_SIZE,
) -> HistoryPage:
    """One page of the guild's reviews matching `flt`, newest first; deleted reviews never show.

    Without a cursor this is the newest page. An "older" cursor gives the page after the row it
    names, a "newer" cursor the page before it.
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    flt = flt or HistoryFilter()
    sql, params = browse_sql(guild_id, flt, cursor, page_size + 1, db.dialect)
    fetched = [_summary(row) for row in await db.fetchall(sql, params)]
    more = len(fetched) > page_size
    rows = fetched[:page_size]
    if cursor is not None and cursor.direction == "newer":
        rows.reverse()
        has_newer = more
        anchor = (rows[-1].created_at, rows[-1].id) if rows else (cursor.created_at, cursor.review_id)
        has_older = await _exists_beyond(db, guild_id, flt, *anchor, older=True)
    else:
        has_older = more
        if cursor is None:
            has_newer = False
        else:
            anchor = (rows[0].created_at, rows[0].id) if rows else (cursor.created_at, cursor.review_id)
            has_newer = await _exists_beyond(db, guild_id, flt, *anchor, older=False)
    return HistoryPage(tuple(rows), has_older=has_older, has_newer=has_newer, anchor=cursor)


async def count_reviews(db: Database, guild_id: int, flt: HistoryFilter | None = None) -> int:
    """How many reviews match (for "N reviews" above the first page)."""
    clauses, params = _where(guild_id, flt or HistoryFilter(), db.dialect)
    row = await db.fetchone(_sql("SELECT COUNT(*) FROM reviews AS r WHERE", " AND ".join(clauses)), params)
    return int(row[0]) if row else 0


async def iter_review_batches(
    db: Database,
    guild_id: int,
    flt: HistoryFilter | None = None,
    *,
    batch_size: int = EXPORT_BATCH,
    start_at: tuple[float, int] | None = None,
) -> AsyncIterator[list[Review]]:
    """Every matching review, newest first, in keyset batches (no statement stays open between).

    `start_at` (created_at, id) starts at that review inclusive, so a second pass over the same
    export sees the same reviews even if new ones arrived meanwhile.
    """
    flt = flt or HistoryFilter()
    base_clauses, base_params = _where(guild_id, flt, db.dialect)
    key = start_at
    inclusive = start_at is not None
    while True:
        clauses, params = list(base_clauses), list(base_params)
        if key is not None:
            clauses.append(_OLDER_OR_SAME if inclusive else _OLDER)
            params += list(key)
        sql = _sql("SELECT", _RECORD_COLUMNS, "FROM reviews AS r WHERE", " AND ".join(clauses), _NEWEST_FIRST, "LIMIT ?")
        batch = [_record(row) for row in await db.fetchall(sql, [*params, batch_size])]
        if not batch:
            return
        yield batch
        if len(batch) < batch_size:
            return
        key, inclusive = (batch[-1].created_at, batch[-1].id), False


async def votes_for_reviews(db: Database, guild_id: int, review_ids: Sequence[int]) -> list[VoteRecord]:
    """The votes on these reviews (of this guild only), grouped by review in the order given."""
    if not review_ids:
        return []
    found: dict[int, list[VoteRecord]] = defaultdict(list)
    # Chunks keep the statement under SQLite's variable limit whatever the caller passes.
    for start in range(0, len(review_ids), 500):
        chunk = list(review_ids[start : start + 500])
        marks = ", ".join("?" for _ in chunk)
        sql = _sql(
            "SELECT v.review_id, v.factor, v.member_id, v.choice, v.voted_at FROM votes AS v",
            "WHERE +v.guild_id = ? AND v.review_id IN (",  # "+": look up by review, never scan the guild
            marks,
            ") ORDER BY v.review_id, v.factor, v.voted_at, v.member_id",
        )
        for row in await db.fetchall(sql, [guild_id, *chunk]):
            found[row[0]].append(VoteRecord(row[0], row[1], row[2], row[3], row[4]))
    return [vote for review_id in review_ids for vote in found.get(review_id, ())]


# ---------------------------------------------------------------------------------------------
# One review in full


def _tallies(votes: Iterable[VoteRecord], answers: dict[str, str]) -> tuple[FactorTally, ...]:
    counts: dict[str, dict[str, int]] = {}
    for vote in votes:
        counts.setdefault(vote.factor, {"good": 0, "unsure": 0, "bad": 0})[vote.choice] += 1
    order = [f for f in FACTOR_IDS if f in counts or f in answers]
    order += sorted(f for f in counts if f not in FACTOR_IDS)
    empty = {"good": 0, "unsure": 0, "bad": 0}
    return tuple(
        FactorTally(f, counts.get(f, empty)["good"], counts.get(f, empty)["unsure"], counts.get(f, empty)["bad"], answers.get(f))
        for f in order
    )


async def review_detail(
    db: Database, guild_id: int, review_id: int, *, include_deleted: bool = False
) -> ReviewDetail | None:
    """The review with its analysis, votes (counts and who voted what), verdict and timeline."""
    row = await db.fetchone(
        _sql("SELECT", _RECORD_COLUMNS, "FROM reviews AS r WHERE r.guild_id = ? AND r.id = ?"), (guild_id, review_id)
    )
    if row is None:
        return None
    review = _record(row)
    if review.status == "deleted" and not include_deleted:
        return None
    check = None
    if review.check_id is not None:
        crow = await db.fetchone(
            "SELECT c.id, c.created_at, c.risk_level, c.risk_score, c.report_json FROM checks AS c "
            "WHERE c.guild_id = ? AND c.id = ?",
            (guild_id, review.check_id),
        )
        if crow is not None:
            check = CheckReport(crow[0], crow[1], crow[2], crow[3], json_object(crow[4]))
    votes = tuple(
        VoteRecord(review_id, r[0], r[1], r[2], r[3])
        for r in await db.fetchall(
            "SELECT v.factor, v.member_id, v.choice, v.voted_at FROM votes AS v "
            "WHERE v.guild_id = ? AND v.review_id = ? ORDER BY v.factor, v.voted_at, v.member_id",
            (guild_id, review_id),
        )
    )
    timeline = tuple(
        TimelineEntry(r[0], r[1], r[2], r[3], r[4])
        for r in await db.fetchall(
            "SELECT a.id, a.created_at, a.action, a.actor_id, a.detail FROM audit_log AS a "
            "WHERE a.guild_id = ? AND a.review_id = ? ORDER BY a.created_at, a.id",
            (guild_id, review_id),
        )
    )
    answers = factor_answers(review.verdict_json)
    return ReviewDetail(
        review=review,
        check=check,
        votes=votes,
        tallies=_tallies(votes, answers),
        verdict=json_object(review.verdict_json),
        answers=answers,
        timeline=timeline,
    )


# ---------------------------------------------------------------------------------------------
# Domains


_DOMAIN_MEMORY_SQL = """
SELECT
    (SELECT COUNT(*) FROM checks AS c WHERE c.guild_id = ?1 AND c.domain = ?2),
    (SELECT c.risk_level FROM checks AS c WHERE c.guild_id = ?1 AND c.domain = ?2
        ORDER BY c.created_at DESC LIMIT 1),
    (SELECT MAX(c.created_at) FROM checks AS c WHERE c.guild_id = ?1 AND c.domain = ?2),
    l.id, l.community_risk, l.closed_at
FROM (SELECT 1) AS one LEFT JOIN (
    SELECT r.id, r.community_risk, r.closed_at FROM reviews AS r
    WHERE r.guild_id = ?1 AND r.domain = ?2 AND r.status = 'closed'
    ORDER BY r.closed_at DESC, r.id DESC LIMIT 1
) AS l ON 1 = 1
"""


async def domain_memory(db: Database, guild_id: int, domain: str) -> DomainMemory:
    """This guild's past with a domain, for /checklink: checks so far, last risk, last verdict.

    One statement, so the hot /checklink path pays one round trip to the database thread.
    """
    row = await db.fetchone(_DOMAIN_MEMORY_SQL, (guild_id, domain))
    assert row is not None
    return DomainMemory(
        domain=domain,
        check_count=int(row[0]),
        last_check_risk=row[1],
        last_checked_at=row[2],
        last_review_id=row[3],
        last_verdict=row[4],
        last_verdict_at=row[5],
    )


async def domain_dossier(db: Database, guild_id: int, domain: str, *, limit: int = 25) -> DomainDossier:
    """Everything this guild has on a domain: checks, reviews, latest verdict, bot vs community."""
    hint = db.dialect.no_index
    counts = await db.fetchone(
        """
        SELECT
            (SELECT COUNT(*) FROM checks AS c WHERE c.guild_id = ?1 AND c.domain = ?2),
            COUNT(CASE WHEN r.status != 'deleted' THEN 1 END),
            COUNT(CASE WHEN r.status = 'closed' AND r.community_risk IN ('low', 'medium', 'high')
                AND r.bot_risk_level IS NOT NULL THEN 1 END),
            COUNT(CASE WHEN r.status = 'closed' AND r.community_risk IN ('low', 'medium', 'high')
                AND r.bot_risk_level = r.community_risk THEN 1 END),
            COUNT(CASE WHEN r.status = 'closed' AND r.community_risk = 'no_consensus' THEN 1 END)
        FROM reviews AS r WHERE r.guild_id = ?1 AND r.domain = ?2
        """,
        (guild_id, domain),
    )
    checks = tuple(
        CheckSummary(*tuple(r))
        for r in await db.fetchall(
            "SELECT c.id, c.created_at, c.member_id, c.url, c.risk_level, c.risk_score FROM checks AS c "
            "WHERE c.guild_id = ? AND c.domain = ? ORDER BY c.created_at DESC LIMIT ?",
            (guild_id, domain, limit),
        )
    )
    reviews = tuple(
        _summary(r)
        for r in await db.fetchall(
            _sql(
                "SELECT",
                _SUMMARY_COLUMNS,
                "FROM reviews AS r WHERE r.guild_id = ? AND r.domain = ? AND r.status != 'deleted'",
                _NEWEST_FIRST,
                "LIMIT ?",
            ),
            (guild_id, domain, limit),
        )
    )
    latest = await db.fetchone(
        _sql(
            "SELECT",
            _SUMMARY_COLUMNS,
            "FROM reviews AS r WHERE r.guild_id = ? AND r.domain = ? AND r.status = 'closed'",
            "ORDER BY r.closed_at DESC, r.id DESC LIMIT 1",
        ),
        (guild_id, domain),
    )
    comparisons = tuple(
        RiskComparison(r[0], r[1], r[2], r[3])
        for r in await db.fetchall(
            "SELECT r.id, r.closed_at, r.bot_risk_level, r.community_risk FROM reviews AS r "  # noqa: S608 - hint is an engine constant
            "WHERE r.guild_id = ? AND r.domain = ? AND r.status = 'closed' "
            f"AND {hint}r.community_risk IN ('low', 'medium', 'high') AND {hint}r.bot_risk_level IS NOT NULL "
            "ORDER BY r.closed_at DESC, r.id DESC LIMIT ?",
            (guild_id, domain, limit),
        )
    )
    return DomainDossier(
        domain=domain,
        check_count=int(counts[0]),
        checks=checks,
        review_count=int(counts[1]),
        reviews=reviews,
        latest_verdict=_summary(latest) if latest is not None else None,
        compared=int(counts[2]),
        agreed=int(counts[3]),
        no_consensus=int(counts[4]),
        comparisons=comparisons,
    )


# ---------------------------------------------------------------------------------------------
# Reviewers


async def _stats_for(db: Database, guild_id: int, member_ids: Sequence[int]) -> dict[int, ReviewerStats]:
    marks = ", ".join("?" for _ in member_ids)
    requested: dict[int, int] = {
        r[0]: r[1]
        for r in await db.fetchall(
            _sql(
                "SELECT r.requester_id, COUNT(*) FROM reviews AS r WHERE r.guild_id = ? AND r.requester_id IN (",
                marks,
                ") AND r.status != 'deleted' GROUP BY r.requester_id",
            ),
            [guild_id, *member_ids],
        )
    }
    cast: dict[int, int] = defaultdict(int)
    scored: dict[int, int] = defaultdict(int)
    agreed: dict[int, int] = defaultdict(int)
    voted_in: dict[int, set[int]] = defaultdict(set)
    answers_by_review: dict[int, dict[str, str]] = {}
    rows = await db.fetchall(
        _sql(
            "SELECT v.member_id, v.review_id, v.factor, v.choice, r.status, r.verdict_json",
            "FROM votes AS v JOIN reviews AS r ON r.id = v.review_id",
            "WHERE v.guild_id = ? AND v.member_id IN (",
            marks,
            ") AND r.guild_id = ? AND r.status != 'deleted'",
        ),
        [guild_id, *member_ids, guild_id],
    )
    for member_id, review_id, factor_id, choice, status, verdict_json in rows:
        cast[member_id] += 1
        voted_in[member_id].add(review_id)
        if status != "closed":
            continue
        answers = answers_by_review.get(review_id)
        if answers is None:
            answers = answers_by_review[review_id] = factor_answers(verdict_json)
        agrees = vote_agrees(choice, answers.get(factor_id))
        if agrees is not None:
            scored[member_id] += 1
            agreed[member_id] += int(agrees)
    return {
        m: ReviewerStats(m, requested.get(m, 0), cast[m], len(voted_in[m]), scored[m], agreed[m]) for m in member_ids
    }


async def reviewer_stats(db: Database, guild_id: int, member_id: int) -> ReviewerStats:
    """Reviews requested, votes cast and how often the member's votes matched final verdicts.

    A vote agrees when its choice equals the community's final answer for that factor; votes
    on open reviews, or on factors that ended without consensus, are not scored.
    """
    return (await _stats_for(db, guild_id, [member_id]))[member_id]


async def leaderboard(db: Database, guild_id: int, *, top: int = 10) -> list[ReviewerStats]:
    """The `top` members by votes cast (deleted reviews excluded), each with agreement."""
    rows = await db.fetchall(
        """
        SELECT v.member_id, COUNT(*) AS n FROM votes AS v
        WHERE v.guild_id = ? AND v.review_id NOT IN (
            SELECT d.id FROM reviews AS d WHERE d.guild_id = ? AND d.status = 'deleted')
        GROUP BY v.member_id ORDER BY n DESC, v.member_id LIMIT ?
        """,
        (guild_id, guild_id, top),
    )
    members = [r[0] for r in rows]
    if not members:
        return []
    stats = await _stats_for(db, guild_id, members)
    return [stats[m] for m in members]


# ---------------------------------------------------------------------------------------------
# Disavow


def _disavow_where(guild_id: int, flt: HistoryFilter, dialect: Dialect) -> tuple[list[str], list[Any]]:
    # The latest closed verdict per domain decides; the status and verdict filters would fight it.
    clauses, params = _where(guild_id, dataclasses.replace(flt, status=None, verdict=None), dialect)
    clauses.append("r.status = 'closed'")
    return clauses, params


_DISAVOW_LATEST = (
    "SELECT r.domain AS domain, r.community_risk AS risk, "
    "ROW_NUMBER() OVER (PARTITION BY r.domain ORDER BY r.closed_at DESC, r.id DESC) AS rn "
    "FROM reviews AS r WHERE"
)


async def count_disavow_domains(db: Database, guild_id: int, flt: HistoryFilter | None = None) -> int:
    clauses, params = _disavow_where(guild_id, flt or HistoryFilter(), db.dialect)
    sql = _sql(
        "SELECT COUNT(*) FROM (", _DISAVOW_LATEST, " AND ".join(clauses), ") AS latest WHERE rn = 1 AND risk = 'high'"
    )
    row = await db.fetchone(sql, params)
    return int(row[0]) if row else 0


def disavow_batch_sql(
    guild_id: int, flt: HistoryFilter, after_domain: str | None, limit: int, dialect: Dialect = SQLITE
) -> tuple[str, list[Any]]:
    clauses, params = _disavow_where(guild_id, flt, dialect)
    if after_domain is not None:
        clauses.append("r.domain > ?")
        params.append(after_domain)
    sql = _sql(
        "SELECT domain FROM (",
        _DISAVOW_LATEST,
        " AND ".join(clauses),
        ") AS latest WHERE rn = 1 AND risk = 'high' ORDER BY domain LIMIT ?",
    )
    return sql, [*params, limit]


async def iter_disavow_domains(
    db: Database, guild_id: int, flt: HistoryFilter | None = None, *, batch_size: int = DISAVOW_BATCH
) -> AsyncIterator[list[str]]:
    """Domains whose most recent closed review the community judged high risk, in domain order."""
    flt = flt or HistoryFilter()
    after: str | None = None
    while True:
        sql, params = disavow_batch_sql(guild_id, flt, after, batch_size, db.dialect)
        batch = [r[0] for r in await db.fetchall(sql, params)]
        if not batch:
            return
        yield batch
        if len(batch) < batch_size:
            return
        after = batch[-1]


# ---------------------------------------------------------------------------------------------
# Filters too long for a custom_id


async def remember_filter(db: Database, guild_id: int, flt: HistoryFilter, now: float) -> str:
    """Keep a filter under its short id (for buttons whose custom_id cannot hold it)."""
    ref = flt.short_id()
    await db.execute(
        "INSERT INTO history_filters (guild_id, ref, token, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (guild_id, ref) DO UPDATE SET token = excluded.token, created_at = excluded.created_at",
        (guild_id, ref, flt.to_token(), now),
    )
    return ref


async def recall_filter(db: Database, guild_id: int, ref: str) -> HistoryFilter | None:
    row = await db.fetchone(
        "SELECT token FROM history_filters WHERE guild_id = ? AND ref = ?",
        (guild_id, ref),
    )
    return HistoryFilter.from_token(row[0]) if row else None


async def forget_filters(db: Database, guild_id: int, *, older_than: float) -> int:
    """Drop a guild's stored filters last saved before `older_than` (pass +inf on guild purge)."""
    cursor = await db.execute(
        "DELETE FROM history_filters WHERE guild_id = ? AND created_at < ?", (guild_id, older_than)
    )
    return cursor.rowcount


async def save_page_state(
    db: Database, guild_id: int, flt: HistoryFilter, cursor: PageCursor | None, *, now: float, budget: int = 80
) -> str:
    """The text a Prev/Next button carries: the filter inline when it fits, else a stored reference."""
    inline = pack_page_state(flt, cursor, budget=budget)
    if inline is not None:
        return inline
    ref = await remember_filter(db, guild_id, flt, now)
    return PageState(cursor, filter_ref=ref).to_text()


async def load_page_state(db: Database, guild_id: int, text: str) -> tuple[HistoryFilter, PageCursor | None]:
    """Undo save_page_state. FilterError (fit to show) when the text is unreadable or the stored filter is gone."""
    state = PageState.from_text(text)
    if state.filter_ref is None:
        return state.filter or HistoryFilter(), state.cursor
    flt = await recall_filter(db, guild_id, state.filter_ref)
    if flt is None:
        raise FilterError("this history view has expired; run /history again")
    return flt, state.cursor
