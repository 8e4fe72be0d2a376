"""One audited source page as a row, the change notes, and the profile summary over all rows.

Pure: the engine hands in what the fetch and the analysis found; the CLI, the JSON, the Discord
embed and the stored rows all read the same `AuditRow`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from bot.analysis import signals as sig
from bot.analysis.report import Link
from bot.analysis.risk import HARD_RULES
from bot.audit.inputs import SourceRow, rel_label

Outcome = Literal["analysed", "http_error", "refused", "fetch_failed", "not_html"]
OUTCOMES: tuple[str, ...] = ("analysed", "http_error", "refused", "fetch_failed", "not_html")

CSV_COLUMNS: tuple[str, ...] = (
    "source_url", "final_url", "http_status", "outcome", "target_found", "anchor_text", "anchor_class",
    "rel", "placement", "risk_level", "risk_score", "flags", "error",
)
NOTE_LOST = "link lost"
NOTE_ANCHOR = "anchor changed"
# A 404 or 410 says the page, and so the link, is gone; other errors may pass.
GONE_STATUSES = frozenset({404, 410})

# Penguin's classic footprint is a profile whose anchors are mostly the money keyword. Natural
# profiles are dominated by branded, naked-URL and generic anchors; guides put exact-match anchors
# at a few percent. Over 10% of the found links is judged over-optimised. (Only measurable with
# --keyword: without it no anchor can be exact-match.)
EXACT_MATCH_THRESHOLD = 0.10
# A profile where most found links pass no PageRank is worth saying, not a risk in itself.
UNFOLLOWED_NOTE_THRESHOLD = 0.50



def _flags_needing(*signals: str) -> frozenset[str]:
    """The risk flags of the hard rules that rest on any of these signals."""
    return frozenset(flag for needed, _floor, flag in HARD_RULES if set(needed) & set(signals))


SELLER_FLAGS = _flags_needing(sig.LINK_SELLING, sig.LINK_SELLER)
NEIGHBOURHOOD_FLAGS = _flags_needing(sig.SPAM_NICHE_CONTENT, sig.SPAM_NICHE_PAGE, sig.BAD_NEIGHBOURHOOD)


@dataclass(frozen=True)
class Analysed:
    """What the worker sends back for an analysed page: the best target link and the risk."""

    final_url: str
    status: int | None
    link: Link | None
    risk_level: str
    risk_score: int
    flags: tuple[str, ...]


@dataclass(frozen=True)
class AuditRow:
    index: int
    source_url: str
    final_url: str = ""
    http_status: int | None = None
    outcome: str = "analysed"
    target_found: str = ""  # yes / no for analysed rows
    anchor_text: str = ""
    anchor_class: str = ""
    rel: str = ""
    placement: str = ""
    risk_level: str = ""
    risk_score: int | None = None
    flags: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    error: str = ""

    @property
    def lost(self) -> bool:
        return NOTE_LOST in self.notes

    def flags_text(self) -> str:
        return "; ".join((*self.flags, *self.notes))

    def csv_values(self) -> list[str]:
        d = self.to_dict()
        return ["" if d[c] is None else str(d[c]) for c in CSV_COLUMNS]

    def to_dict(self) -> dict[str, Any]:
        """The CSV/JSON row: exactly CSV_COLUMNS."""
        return {
            "source_url": self.source_url,
            "final_url": self.final_url,
            "http_status": self.http_status,
            "outcome": self.outcome,
            "target_found": self.target_found,
            "anchor_text": self.anchor_text,
            "anchor_class": self.anchor_class,
            "rel": self.rel,
            "placement": self.placement,
            "risk_level": self.risk_level,
            "risk_score": self.risk_score,
            "flags": self.flags_text(),
            "error": self.error,
        }

    def to_storage(self) -> dict[str, Any]:
        d = asdict(self)
        d["flags"], d["notes"] = list(self.flags), list(self.notes)
        return d

    @classmethod
    def from_storage(cls, d: Mapping[str, Any]) -> AuditRow:
        values = dict(d)
        values["flags"] = tuple(values.get("flags") or ())
        values["notes"] = tuple(values.get("notes") or ())
        return cls(**values)


def rel_text(link: Link) -> str:
    return " ".join(link.rel) if link.rel else "dofollow"


def _norm_anchor(text: str) -> str:
    return " ".join(text.lower().split())


def change_notes(source: SourceRow, *, found: Link | None, analysed: bool, status: int | None) -> tuple[str, ...]:
    """What changed since the export saw a link to the target on this page."""
    notes: list[str] = []
    if (analysed and found is None) or (not analysed and status in GONE_STATUSES):
        notes.append(NOTE_LOST)
    if found is not None:
        if source.export_rel is not None:
            now = rel_label(found.rel)
            if now != source.export_rel:
                notes.append(f"was {source.export_rel}, now {now}")
        if source.export_anchor is not None and _norm_anchor(source.export_anchor) != _norm_anchor(found.anchor_text):
            notes.append(NOTE_ANCHOR)
    return tuple(notes)


def analysed_row(source: SourceRow, result: Analysed) -> AuditRow:
    link = result.link
    base = AuditRow(
        index=source.index,
        source_url=source.source_url,
        final_url=result.final_url,
        http_status=result.status,
        outcome="analysed",
        target_found="yes" if link is not None else "no",
        risk_level=result.risk_level,
        risk_score=result.risk_score,
        flags=result.flags,
        notes=change_notes(source, found=link, analysed=True, status=result.status),
    )
    if link is None:
        return base
    return replace(base, anchor_text=link.anchor_text, anchor_class=link.anchor_class, rel=rel_text(link),
                   placement=link.placement)


def failed_row(source: SourceRow, outcome: str, error: str, *, status: int | None = None,
               final_url: str = "") -> AuditRow:
    return AuditRow(
        index=source.index,
        source_url=source.source_url,
        final_url=final_url,
        http_status=status,
        outcome=outcome,
        error=" ".join(error.split()),
        notes=change_notes(source, found=None, analysed=False, status=status),
    )


@dataclass
class Summary:
    """Counts kept as rows arrive, so a summary never needs the rows again (flat memory)."""

    pages: int = 0
    analysed: int = 0
    target_found: int = 0
    lost: int = 0
    by_risk: Counter[str] = field(default_factory=Counter)
    anchor_classes: Counter[str] = field(default_factory=Counter)
    rel: Counter[str] = field(default_factory=Counter)
    placement: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    sellers: int = 0
    neighbourhoods: int = 0
    found_links: int = 0
    unfollowed: int = 0

    def add(self, row: AuditRow) -> None:
        self.pages += 1
        self.outcomes[row.outcome] += 1
        if row.lost:
            self.lost += 1
        if row.outcome != "analysed":
            return
        self.analysed += 1
        self.by_risk[row.risk_level] += 1
        if SELLER_FLAGS & set(row.flags):
            self.sellers += 1
        if NEIGHBOURHOOD_FLAGS & set(row.flags):
            self.neighbourhoods += 1
        if row.target_found != "yes":
            return
        self.target_found += 1
        self.found_links += 1
        self.anchor_classes[row.anchor_class] += 1
        self.placement[row.placement] += 1
        tokens = row.rel.split()
        for token in tokens:
            self.rel[token] += 1
        if {"nofollow", "sponsored", "ugc"} & set(tokens):
            self.unfollowed += 1

    def add_all(self, rows: Iterable[AuditRow]) -> Summary:
        for row in rows:
            self.add(row)
        return self

    @property
    def exact_match_share(self) -> float:
        return self.anchor_classes["exact_match"] / self.found_links if self.found_links else 0.0

    @property
    def over_optimised(self) -> bool:
        return self.exact_match_share > EXACT_MATCH_THRESHOLD

    def profile(self, *, keyword_given: bool) -> dict[str, Any]:
        """The judgement of the profile as a whole, each finding with its evidence."""
        findings: list[str] = []
        share = self.exact_match_share
        if not keyword_given:
            findings.append("anchor mix: no keyword given, so exact-match anchors could not be counted")
        elif self.over_optimised:
            findings.append(
                f"over-optimised anchors: {share:.0%} of found links use the exact keyword "
                f"(over the {EXACT_MATCH_THRESHOLD:.0%} threshold, Penguin's classic footprint)"
            )
        unfollowed_share = self.unfollowed / self.found_links if self.found_links else 0.0
        if self.found_links and unfollowed_share > UNFOLLOWED_NOTE_THRESHOLD:
            findings.append(f"{unfollowed_share:.0%} of found links are nofollow, sponsored or ugc")
        if self.sellers:
            findings.append(f"{self.sellers} page(s) show link-selling footprints")
        if self.neighbourhoods:
            findings.append(f"{self.neighbourhoods} page(s) sit in bad neighbourhoods (spam-niche outbound links)")
        if self.lost:
            findings.append(f"{self.lost} link(s) lost since the export")
        return {
            "exact_match_share": round(share, 4),
            "exact_match_threshold": EXACT_MATCH_THRESHOLD,
            "over_optimised": bool(keyword_given and self.over_optimised),
            "unfollowed_share": round(unfollowed_share, 4),
            "link_sellers": self.sellers,
            "bad_neighbourhoods": self.neighbourhoods,
            "lost": self.lost,
            "findings": findings,
        }

    def to_dict(self, *, keyword_given: bool) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "analysed": self.analysed,
            "failed": self.pages - self.analysed,
            "target_found": self.target_found,
            "lost": self.lost,
            "by_risk": {level: self.by_risk[level] for level in ("low", "medium", "high")},
            "anchor_classes": dict(self.anchor_classes),
            "rel": dict(self.rel),
            "placement": dict(self.placement),
            "profile": self.profile(keyword_given=keyword_given),
        }
