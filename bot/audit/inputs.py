"""Reading a backlink export: Ahrefs, Semrush, Majestic, Search Console CSVs, or a list of URLs.

Files are read twice rather than held in memory: `scan_export` counts the unique sources and the
target domains (so bad input is refused before any fetch), `iter_sources` then streams them. Both
see the same rows: a source listed twice keeps its first row.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from bot.analysis.urls import host_of, normalize_url, registrable_domain


class ExportError(ValueError):
    """An export the audit cannot use; the message is one line for the user."""


def _key(header: str) -> str:
    # "Referring page URL", "referring_page_url" and "ReferringPageURL" name one column.
    return "".join(header.lower().replace("_", " ").split())


# In order of preference: the first header present wins.
SOURCE_HEADERS = ("referringpageurl", "sourceurl", "linkingpage", "source", "url")
TARGET_HEADERS = ("targeturl",)
ANCHOR_HEADERS = ("anchor", "anchortext")
# Rel columns: Ahrefs Nofollow/UGC/Sponsored, Semrush Nofollow/Sponsored/Ugc, Majestic FlagNoFollow.
# Ahrefs's "Type" is the kind of link (text, image), not its rel, so it is not read.
REL_HEADERS = {"nofollow": "nofollow", "flagnofollow": "nofollow", "ugc": "ugc", "sponsored": "sponsored"}
_TRUE = frozenset({"true", "yes", "y", "1", "+", "x"})


@dataclass(frozen=True)
class SourceRow:
    """One unique source page of the export, numbered from 0 in input order."""

    index: int
    source_url: str
    target_url: str | None = None
    # What the export says the link was: None when the export has no such column.
    export_rel: str | None = None
    export_anchor: str | None = None


@dataclass(frozen=True)
class ExportLayout:
    encoding: str
    delimiter: str | None  # None: a plain list of URLs
    source_column: int = 0
    target_column: int | None = None
    anchor_column: int | None = None
    rel_columns: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class ExportScan:
    layout: ExportLayout
    unique_sources: int
    target_sites: frozenset[str]  # registrable domains of the target column (empty without one)


def detect_encoding(head: bytes) -> str:
    """UTF-16 (Ahrefs writes it, with tabs), UTF-8 with or without BOM."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    # UTF-16 without a BOM: every other byte of ASCII text is NUL.
    sample = head[:200]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4:
        return "utf-16-le"
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4:
        return "utf-16-be"
    return "utf-8"


def _open_text(raw: IO[bytes], encoding: str) -> io.TextIOWrapper:
    raw.seek(0)
    # errors="replace": one stray byte in an anchor text must not make the whole export unreadable.
    return io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")


def _looks_like_url(line: str) -> bool:
    text = line.strip().lower()
    return text.startswith(("http://", "https://"))


def _layout(header_line: str, encoding: str) -> ExportLayout:
    if _looks_like_url(header_line) and not any(d in header_line for d in "\t;"):
        return ExportLayout(encoding=encoding, delimiter=None)
    counts = {d: header_line.count(d) for d in ("\t", ";", ",")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    headers = [_key(h) for h in next(csv.reader([header_line], delimiter=delimiter))]
    positions = {h: i for i, h in reversed(list(enumerate(headers)))}  # first occurrence wins
    source = next((positions[h] for h in SOURCE_HEADERS if h in positions), None)
    if source is None:
        raise ExportError(
            "no source-URL column: expected a header such as 'Referring page URL' (Ahrefs), 'Source url' "
            "(Semrush), 'SourceURL' (Majestic), 'Linking page' (Search Console) or 'source_url', "
            "or a list of URLs one a line"
        )
    return ExportLayout(
        encoding=encoding,
        delimiter=delimiter,
        source_column=source,
        target_column=next((positions[h] for h in TARGET_HEADERS if h in positions), None),
        anchor_column=next((positions[h] for h in ANCHOR_HEADERS if h in positions), None),
        rel_columns=tuple((positions[h], rel) for h, rel in REL_HEADERS.items() if h in positions),
    )


def read_layout(raw: IO[bytes]) -> ExportLayout:
    raw.seek(0)
    encoding = detect_encoding(raw.read(4096))
    text = _open_text(raw, encoding)
    try:
        for line in text:
            if line.strip():
                return _layout(line.rstrip("\r\n"), encoding)
    except UnicodeError as exc:  # pragma: no cover - errors="replace" makes this rare
        raise ExportError(f"cannot decode the file: {exc}") from None
    finally:
        text.detach()
    raise ExportError("the file is empty")


def _rel_of(row: list[str], layout: ExportLayout) -> str | None:
    if not layout.rel_columns:
        return None
    stated = {rel for col, rel in layout.rel_columns if col < len(row) and row[col].strip().lower() in _TRUE}
    return rel_label(stated)


def rel_label(tokens: set[str] | frozenset[str] | tuple[str, ...]) -> str:
    """One word for a link's rel, as the change notes compare it: the strongest qualifier wins."""
    for token in ("sponsored", "ugc", "nofollow"):
        if token in tokens:
            return token
    return "dofollow"


def dedupe_key(url: str) -> str:
    normalized = normalize_url(url)
    return str(normalized) if normalized is not None else url


def _rows(raw: IO[bytes], layout: ExportLayout) -> Iterator[SourceRow]:
    """Every unique source in order; the first row of a source counts."""
    text = _open_text(raw, layout.encoding)
    seen: set[str] = set()
    index = 0
    try:
        if layout.delimiter is None:
            records: Iterator[list[str]] = ([line] for line in text)
        else:
            reader = csv.reader(text, delimiter=layout.delimiter)
            next(reader, None)  # the header
            records = reader
        for record in records:
            if layout.source_column >= len(record):
                continue
            url = record[layout.source_column].strip()
            if not url or url.startswith("#"):
                continue
            key = dedupe_key(url)
            if key in seen:
                continue
            seen.add(key)

            def cell(col: int | None, record: list[str] = record) -> str | None:
                return record[col].strip() if col is not None and col < len(record) else None

            yield SourceRow(
                index=index,
                source_url=url,
                target_url=cell(layout.target_column) or None,
                export_rel=_rel_of(record, layout),
                export_anchor=cell(layout.anchor_column),
            )
            index += 1
    except csv.Error as exc:
        raise ExportError(f"the file is not a readable CSV: {exc}") from None
    finally:
        text.detach()


def scan_export(raw: IO[bytes]) -> ExportScan:
    layout = read_layout(raw)
    count = 0
    sites: set[str] = set()
    for row in _rows(raw, layout):
        count += 1
        if row.target_url:
            host = host_of(row.target_url if "://" in row.target_url else f"https://{row.target_url}").lower()
            if host:
                sites.add(registrable_domain(host))
    if count == 0:
        raise ExportError("the file lists no source URLs")
    return ExportScan(layout=layout, unique_sources=count, target_sites=frozenset(sites))


def iter_sources(raw: IO[bytes], layout: ExportLayout) -> Iterator[SourceRow]:
    return _rows(raw, layout)


def infer_target(scan: ExportScan, given: str | None) -> str:
    """--target when given; else the one registrable domain of the export's target column."""
    if given and given.strip():
        return given.strip()
    if not scan.target_sites:
        raise ExportError("the export has no target column: give --target (your URL or domain)")
    if len(scan.target_sites) > 1:
        shown = ", ".join(sorted(scan.target_sites)[:5])
        raise ExportError(f"the export's targets span several domains ({shown}): give --target")
    return next(iter(scan.target_sites))


def load_export(data: bytes) -> tuple[io.BytesIO, ExportScan]:
    """An export held in memory (a Discord attachment, already size-capped)."""
    raw = io.BytesIO(data)
    return raw, scan_export(raw)
