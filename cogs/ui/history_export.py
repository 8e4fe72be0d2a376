"""Export attachments: the history's byte streams cut into files that fit Discord's upload limit."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord

from bot.history import HistoryFilter
from bot.history.export import (
    EXPORT_BATCH,
    PartTooLargeError,
    export_audits_csv,
    export_disavow,
    export_json,
    export_reviews_csv,
    export_votes_csv,
    split_into_parts,
)
from bot.storage.database import Database

FILES_PER_MESSAGE = 10
# Past this many files the member is pointed at the command line instead of a flood of messages.
MAX_FILES = 30
FORMATS = ("csv", "json", "disavow", "audits", "all")


@dataclass(frozen=True)
class ExportFile:
    name: str
    data: bytes


class ExportTooLargeError(Exception):
    """The export cannot be delivered as attachments; the message says why and what to do."""


def upload_limit(interaction: discord.Interaction) -> int:
    """Bytes one attachment may have: what Discord says for this interaction, else the guild's tier."""
    limit = getattr(interaction, "filesize_limit", None)
    if not limit and interaction.guild is not None:
        limit = interaction.guild.filesize_limit
    return int(limit or 10 * 1024 * 1024)


def batch_rows(limit: int) -> int:
    """Reviews read per batch: about 4 KB of output a review at most, so a batch stays well inside a part."""
    return max(1, min(EXPORT_BATCH, limit // 4096))


async def _parts(stream: AsyncIterator[bytes], limit: int, *, repeat_header: bool) -> AsyncIterator[bytes]:
    try:
        async for part in split_into_parts(stream, limit, repeat_header=repeat_header):
            yield part
    except PartTooLargeError:
        raise ExportTooLargeError(
            "One piece of this export is larger than Discord lets the bot upload here. Narrow it with "
            "the filters, or ask the bot's owner to run `python -m bot history`."
        ) from None


async def _named(stem: str, ext: str, parts: AsyncIterator[bytes], *, split_name: str) -> AsyncIterator[ExportFile]:
    """Name the parts `stem.ext` when there is one, else with `split_name` ({stem}, {ext}, {n}).

    One part is held back until the next shows whether the stream was split, so memory stays
    at about two parts, never the whole export.
    """
    held: bytes | None = None
    index = 0
    async for part in parts:
        if held is not None:
            index += 1
            yield ExportFile(split_name.format(stem=stem, ext=ext, n=index), held)
        held = part
    if held is not None:
        name = f"{stem}.{ext}" if index == 0 else split_name.format(stem=stem, ext=ext, n=index + 1)
        yield ExportFile(name, held)


async def iter_export_files(
    db: Database, guild_id: int, flt: HistoryFilter, fmt: str, *, limit: int, now: float
) -> AsyncIterator[ExportFile]:
    """The files of one export, each within `limit` bytes, produced one at a time.

    Split CSV and disavow files are named `stem-partN.ext` and each part repeats the header; a
    split JSON document comes as `history.json.NNN` pieces to join in order.
    """
    # Streams are cut only between batches: under a small upload limit, smaller batches.
    batch = batch_rows(limit)
    csv_part = "{stem}-part{n}.{ext}"
    streams: list[tuple[str, str, AsyncIterator[bytes], str]] = []
    if fmt in ("csv", "all"):
        streams.append(("reviews", "csv", _parts(export_reviews_csv(db, guild_id, flt, batch_size=batch), limit,
                                                 repeat_header=True), csv_part))
        streams.append(("votes", "csv", _parts(export_votes_csv(db, guild_id, flt, batch_size=batch), limit,
                                               repeat_header=True), csv_part))
    if fmt in ("json", "all"):
        # One JSON document cannot be cut into valid documents; the pieces join back into one.
        streams.append(("history", "json", _parts(export_json(db, guild_id, flt, now=now, batch_size=batch), limit,
                                                  repeat_header=False), "{stem}.{ext}.{n:03d}"))
    if fmt in ("disavow", "all"):
        streams.append(("disavow", "txt", _parts(export_disavow(db, guild_id, flt, now=now), limit,
                                                 repeat_header=True), csv_part))
    if fmt in ("audits", "all"):
        streams.append(("audits", "csv", _parts(export_audits_csv(db, guild_id, batch_size=batch), limit,
                                                repeat_header=True), csv_part))
    count = 0
    for stem, ext, parts, split_name in streams:
        async for item in _named(stem, ext, parts, split_name=split_name):
            count += 1
            if count > MAX_FILES:
                raise ExportTooLargeError(
                    f"This export needs more than {MAX_FILES} files at Discord's upload limit here. Narrow it "
                    "with the filters (domain, dates, verdict), or ask the bot's owner to run `python -m bot history`."
                )
            yield item


def export_notes(names: list[str]) -> list[str]:
    notes = []
    if any("-part" in name for name in names):
        notes.append("Some files were split into parts to fit Discord's upload limit; each part has the header.")
    if any(name.startswith("history.json.") for name in names):
        notes.append("The JSON export was split into pieces; join them in order "
                     "(`cat history.json.* > history.json`).")
    return notes


def starts_new_message(group: list[ExportFile], size: int, item: ExportFile, limit: int) -> bool:
    """At most ten files per message and, to be safe, at most `limit` bytes per message in all."""
    return bool(group) and (len(group) >= FILES_PER_MESSAGE or size + len(item.data) > limit)


def as_discord_files(group: list[ExportFile]) -> list[discord.File]:
    return [discord.File(io.BytesIO(item.data), filename=item.name) for item in group]


