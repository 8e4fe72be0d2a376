"""Streaming exports of a guild's history: reviews.csv, votes.csv, one JSON document, a disavow file.

Each exporter is an async generator of bytes chunks. Rows are read in keyset batches and written
out in chunks of about CHUNK_BYTES, each holding whole rows (CSV) or whole lines (disavow), so a
100,000-review export never holds more than a batch in memory, and `split_into_parts` can cut the
stream into attachment-sized files at row boundaries.

Discord ids (snowflakes) go out as strings: spreadsheets and JavaScript both mangle 19-digit numbers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Any

from bot.audit.rows import CSV_COLUMNS
from bot.history.filters import HistoryFilter
from bot.history.models import VoteRecord
from bot.history.verdicts import FACTOR_IDS, factor_answers, json_object, vote_agrees
from bot.storage.bulk_audits import BulkAuditsRepo
from bot.storage.database import Database
from bot.storage.history import (
    EXPORT_BATCH,
    count_disavow_domains,
    iter_disavow_domains,
    iter_review_batches,
    votes_for_reviews,
)
from bot.storage.reviews import Review

GENERATOR = "Second Opinion"
CHUNK_BYTES = 64 * 1024
DEFAULT_PART_BYTES = 8 * 1024 * 1024
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

REVIEW_COLUMNS: tuple[str, ...] = (
    "id",
    "created_at",
    "status",
    "domain",
    "url",
    "target",
    "keyword",
    "note",
    "requester_id",
    "bot_risk_level",
    "bot_risk_score",
    "community_risk",
    *(f"verdict_{factor_id}" for factor_id in FACTOR_IDS),
    "closed_at",
    "close_reason",
    "thread_id",
    "check_id",
)
VOTE_COLUMNS: tuple[str, ...] = (
    "review_id",
    "domain",
    "factor",
    "member_id",
    "choice",
    "voted_at",
    "final_answer",
    "agrees",
)


class PartTooLargeError(ValueError):
    """One indivisible piece (a batch of rows) is larger than the part size asked for."""


def guard_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; the rest is unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def iso_time(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _snowflake(value: int | None) -> str | None:
    return None if value is None else str(value)


def review_to_dict(review: Review) -> dict[str, Any]:
    """A review as exported in JSON (the CSV row holds the same values, flattened)."""
    return {
        "id": review.id,
        "created_at": iso_time(review.created_at),
        "status": review.status,
        "domain": review.domain,
        "url": review.url,
        "target": review.target,
        "keyword": review.keyword,
        "note": review.note,
        "requester_id": _snowflake(review.requester_id),
        "bot_risk_level": review.bot_risk_level,
        "bot_risk_score": review.bot_risk_score,
        "community_risk": review.community_risk,
        "verdict": json_object(review.verdict_json),
        "deadline_at": iso_time(review.deadline_at),
        "closed_at": iso_time(review.closed_at),
        "closed_by": _snowflake(review.closed_by),
        "close_reason": review.close_reason,
        "channel_id": _snowflake(review.channel_id),
        "thread_id": _snowflake(review.thread_id),
        "check_id": review.check_id,
    }


def vote_to_dict(vote: VoteRecord, domain: str, answers: dict[str, str]) -> dict[str, Any]:
    answer = answers.get(vote.factor)
    return {
        "review_id": vote.review_id,
        "domain": domain,
        "factor": vote.factor,
        "member_id": _snowflake(vote.member_id),
        "choice": vote.choice,
        "voted_at": iso_time(vote.voted_at),
        "final_answer": answer,
        "agrees": vote_agrees(vote.choice, answer),
    }


def _review_row(review: Review) -> list[Any]:
    answers = factor_answers(review.verdict_json)
    return [
        review.id,
        iso_time(review.created_at),
        review.status,
        review.domain,
        review.url,
        review.target,
        review.keyword,
        review.note,
        _snowflake(review.requester_id),
        review.bot_risk_level,
        review.bot_risk_score,
        review.community_risk,
        *(answers.get(factor_id) for factor_id in FACTOR_IDS),
        iso_time(review.closed_at),
        review.close_reason,
        _snowflake(review.thread_id),
        review.check_id,
    ]


async def _vote_batches(
    db: Database,
    guild_id: int,
    flt: HistoryFilter | None,
    *,
    batch_size: int,
    start_at: tuple[float, int] | None = None,
) -> AsyncIterator[list[dict[str, Any]]]:
    """The votes on the matching reviews as vote_to_dict items, one list per batch of reviews."""
    async for batch in iter_review_batches(db, guild_id, flt, batch_size=batch_size, start_at=start_at):
        by_id = {review.id: review for review in batch}
        answers = {review.id: factor_answers(review.verdict_json) for review in batch}
        votes = await votes_for_reviews(db, guild_id, [review.id for review in batch])
        yield [vote_to_dict(vote, by_id[vote.review_id].domain, answers[vote.review_id]) for vote in votes]


def _vote_row(item: dict[str, Any]) -> list[Any]:
    agrees = item["agrees"]
    item["agrees"] = "" if agrees is None else ("yes" if agrees else "no")
    return [item[column] for column in VOTE_COLUMNS]


class _CsvChunker:
    """Writes rows into a text buffer and hands back UTF-8 chunks of whole rows."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")

    def add(self, row: Iterable[Any]) -> None:
        self._writer.writerow([guard_cell(cell) for cell in row])

    def take(self, *, force: bool = False) -> bytes | None:
        if self._buffer.tell() < CHUNK_BYTES and not (force and self._buffer.tell()):
            return None
        data = self._buffer.getvalue().encode("utf-8")
        self._buffer.seek(0)
        self._buffer.truncate()
        return data


async def _csv_chunks(columns: tuple[str, ...], row_batches: AsyncIterable[list[list[Any]]]) -> AsyncIterator[bytes]:
    """The header line alone as the first chunk, then chunks of whole rows (cut only between batches)."""
    out = _CsvChunker()
    out.add(columns)
    yield out.take(force=True) or b""
    async for rows in row_batches:
        for row in rows:
            out.add(row)
        if (chunk := out.take()) is not None:
            yield chunk
    if (chunk := out.take(force=True)) is not None:
        yield chunk


async def export_reviews_csv(
    db: Database, guild_id: int, flt: HistoryFilter | None = None, *, batch_size: int = EXPORT_BATCH
) -> AsyncIterator[bytes]:
    """reviews.csv, one row per review, newest first. The first chunk is the header line alone."""

    async def rows() -> AsyncIterator[list[list[Any]]]:
        async for batch in iter_review_batches(db, guild_id, flt, batch_size=batch_size):
            yield [_review_row(review) for review in batch]

    async for chunk in _csv_chunks(REVIEW_COLUMNS, rows()):
        yield chunk


async def export_votes_csv(
    db: Database, guild_id: int, flt: HistoryFilter | None = None, *, batch_size: int = EXPORT_BATCH
) -> AsyncIterator[bytes]:
    """votes.csv, one row per vote on the matching reviews. The first chunk is the header alone."""

    async def rows() -> AsyncIterator[list[list[Any]]]:
        async for items in _vote_batches(db, guild_id, flt, batch_size=batch_size):
            yield [_vote_row(item) for item in items]

    async for chunk in _csv_chunks(VOTE_COLUMNS, rows()):
        yield chunk


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def export_json(
    db: Database,
    guild_id: int,
    flt: HistoryFilter | None = None,
    *,
    now: float,
    batch_size: int = EXPORT_BATCH,
) -> AsyncIterator[bytes]:
    """One JSON document {"generator", "guild_id", "generated_at", "filter", "reviews": [...], "votes": [...]}.

    Reviews and votes are read in two passes; the second starts at the first pass's newest review,
    so a review opened during the export shows up in neither list rather than in one only.
    """
    flt = flt or HistoryFilter()
    head = {
        "generator": GENERATOR,
        "guild_id": str(guild_id),
        "generated_at": iso_time(now),
        "filter": {k: v for k, v in vars(flt).items() if v is not None},
    }
    parts: list[str] = [_json(head)[:-1], ',"reviews":[']
    size = 0
    first = True
    start_at: tuple[float, int] | None = None
    async for batch in iter_review_batches(db, guild_id, flt, batch_size=batch_size):
        if start_at is None:
            start_at = (batch[0].created_at, batch[0].id)
        for review in batch:
            text = _json(review_to_dict(review))
            parts.append(text if first else "," + text)
            size += len(text) + 1
            first = False
        if size >= CHUNK_BYTES:
            yield "".join(parts).encode("utf-8")
            parts, size = [], 0
    parts.append('],"votes":[')
    first = True
    if start_at is not None:
        async for items in _vote_batches(db, guild_id, flt, batch_size=batch_size, start_at=start_at):
            for item in items:
                text = _json(item)
                parts.append(text if first else "," + text)
                size += len(text) + 1
                first = False
            if size >= CHUNK_BYTES:
                yield "".join(parts).encode("utf-8")
                parts, size = [], 0
    parts.append("]}\n")
    yield "".join(parts).encode("utf-8")


def _disavow_domain(domain: str) -> str:
    # Search Console expects ASCII; internationalised names go out in their punycode form.
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


async def export_disavow(
    db: Database, guild_id: int, flt: HistoryFilter | None = None, *, now: float
) -> AsyncIterator[bytes]:
    """A Google disavow file: a `#` comment header, then one `domain:` line per high-risk domain.

    A domain is listed when its most recent closed, non-deleted review (matching `flt`; the status
    and verdict filters do not apply) ended with community risk "high".
    """
    flt = flt or HistoryFilter()
    count = await count_disavow_domains(db, guild_id, flt)
    header = (
        f"# Disavow file generated by {GENERATOR}\n"
        f"# guild: {guild_id}\n"
        f"# date: {iso_time(now)}\n"
        f"# domains: {count}\n"
        "# Domains whose latest community review judged them high risk.\n"
    )
    yield header.encode("utf-8")
    async for batch in iter_disavow_domains(db, guild_id, flt):
        yield "".join(f"domain:{_disavow_domain(domain)}\n" for domain in batch).encode("utf-8")


async def split_into_parts(
    chunks: AsyncIterable[bytes], max_bytes: int = DEFAULT_PART_BYTES, *, repeat_header: bool = False
) -> AsyncIterator[bytes]:
    """Cut a chunk stream into parts of at most `max_bytes`, only between chunks.

    With repeat_header the stream's first chunk (the CSV header line) starts every part, so each
    part opens in a spreadsheet on its own. Each part is held in memory until it is full, so peak
    memory is about one part. Raises PartTooLargeError when one chunk cannot fit in a part.
    """
    if max_bytes < 1:
        raise ValueError("max_bytes must be positive")
    header = b""
    pending: list[bytes] = []
    size = 0
    iterator = aiter(chunks)
    if repeat_header:
        header = await anext(iterator, b"")
        if len(header) >= max_bytes:
            raise PartTooLargeError(f"the header alone is {len(header)} bytes, over the {max_bytes}-byte limit")
    body_in_part = False
    async for chunk in iterator:
        if not chunk:
            continue
        if len(header) + len(chunk) > max_bytes:
            raise PartTooLargeError(
                f"a piece of {len(chunk)} bytes does not fit in a {max_bytes}-byte part; use a larger limit"
            )
        if body_in_part and size + len(chunk) > max_bytes:
            yield b"".join(pending)
            pending, size, body_in_part = [], 0, False
        if not pending and header:
            pending.append(header)
            size = len(header)
        pending.append(chunk)
        size += len(chunk)
        body_in_part = True
    if body_in_part or not pending:
        if not pending and header:
            pending = [header]
        if pending:
            yield b"".join(pending)


# Bulk audits (/audit): one row per audited page, with its audit. The review filters do not apply.
AUDIT_COLUMNS: tuple[str, ...] = (
    "audit_id", "audit_created_at", "audit_status", "audit_target", "audit_keyword", "audit_file",
    *CSV_COLUMNS,
)


async def export_audits_csv(db: Database, guild_id: int, *, batch_size: int = EXPORT_BATCH) -> AsyncIterator[bytes]:
    """audits.csv: every audit row of the guild, audit by audit, pages in input order."""
    repo = BulkAuditsRepo(db)

    async def rows() -> AsyncIterator[list[list[Any]]]:
        async for batch in repo.iter_guild_rows(guild_id, batch_size):
            yield [[audit.id, iso_time(audit.created_at), audit.status, audit.target, audit.keyword, audit.filename,
                    *row.csv_values()] for audit, row in batch]

    async for chunk in _csv_chunks(AUDIT_COLUMNS, rows()):
        yield chunk
