"""Pure rules of the link watch: what one re-check observed, what changed since the last one, and
when the next re-check is due. No network, no storage, no Discord; time and randomness are passed in.
"""

from __future__ import annotations

import hashlib
import heapq
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from bot.analysis.report import Link, Report

# --- observations ----------------------------------------------------------------------------

STATUS_OK = "ok"
STATUS_FAILED = "failed"


@dataclass(frozen=True)
class Observation:
    """What one re-check saw. For a failed fetch only `at`, `status` and `error` are meaningful."""

    at: float
    status: str  # ok | failed
    http_status: int | None = None
    final_url: str | None = None
    found: bool | None = None
    rel: str | None = None  # space-separated rel tokens, "dofollow" when the link has none
    placement: str | None = None
    anchor: str | None = None
    noindex: bool | None = None
    canonical: str | None = None  # where the canonical points, when that is not this page
    robots_blocked: bool | None = None
    fingerprint: str | None = None
    error: str | None = None  # the fetch failure's kind (timeout, dns, ...)
    error_message: str | None = None
    # What the analysis said about noindex / robots.txt, for an alert's evidence (not stored).
    noindex_evidence: str | None = None
    robots_evidence: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == STATUS_OK


def failed_observation(at: float, kind: str, message: str) -> Observation:
    return Observation(at=at, status=STATUS_FAILED, error=kind, error_message=message)


def primary_link(links: tuple[Link, ...]) -> Link | None:
    """The target link that counts: visible in the content, else visible, else the first (as the
    placement factor picks it), so a second, footer link to the target does not hide a move."""
    for link in links:
        if not link.hidden and link.placement == "content":
            return link
    for link in links:
        if not link.hidden:
            return link
    return links[0] if links else None


def rel_text(link: Link) -> str:
    return " ".join(sorted(link.rel)) if link.rel else "dofollow"


# The indexability factor states these facts in its evidence, with these openings; reading them back
# keeps one rule for noindex, robots.txt and canonical instead of a second parse of the page.
_NOINDEX = "page is noindex"
_ROBOTS_BLOCKED = "robots.txt blocks Googlebot"
_ROBOTS_ALLOWED = "robots.txt allows Googlebot"
_CANONICAL_ELSEWHERE = re.compile(r"^canonical points elsewhere(?: \(another site\))?: (?P<url>.+)$")


def observation_from_report(report: Report, at: float) -> Observation:
    """The watch's view of an analysed page."""
    link = primary_link(report.target_links)
    noindex = False
    robots_blocked: bool | None = None
    canonical: str | None = None
    noindex_evidence: str | None = None
    robots_evidence: str | None = None
    try:
        evidence = report.factor("indexability").evidence
    except KeyError:
        evidence = ()
    for line in evidence:
        if line.startswith(_NOINDEX):
            noindex, noindex_evidence = True, line
        elif line.startswith(_ROBOTS_BLOCKED):
            robots_blocked, robots_evidence = True, line
        elif line.startswith(_ROBOTS_ALLOWED):
            robots_blocked = False
        elif (match := _CANONICAL_ELSEWHERE.match(line)) is not None:
            canonical = match["url"]
    return Observation(
        at=at,
        status=STATUS_OK,
        http_status=report.status,
        final_url=report.final_url or report.url,
        found=link is not None,
        rel=rel_text(link) if link else None,
        placement=link.placement if link else None,
        anchor=" ".join(link.anchor_text.split()) if link else None,
        noindex=noindex,
        canonical=canonical,
        robots_blocked=robots_blocked,
        fingerprint=content_fingerprint(report.content.text),
        noindex_evidence=noindex_evidence,
        robots_evidence=robots_evidence,
    )


# --- main content fingerprint ----------------------------------------------------------------

# The main content is summarised by a bottom-k sketch of its 3-word phrases (the k smallest
# phrase hashes). Two sketches estimate the Jaccard similarity of the two phrase sets: the share
# of phrases the texts have in common. Text edited here and there keeps most phrases; a rewrite
# keeps almost none.
SKETCH_SIZE = 64
SHINGLE_WORDS = 3
# Main content is "rewritten" when under half of its phrases are shared with the last observation
# (estimated Jaccard similarity of 3-word phrases below 0.5): roughly a third of the text replaced.
# Small edits (a sentence added, a typo, a date) stay well above it.
REWRITE_THRESHOLD = 0.5
_WORD = re.compile(r"\w+", re.UNICODE)


def content_fingerprint(text: str) -> str:
    """Hex of the bottom-k phrase hashes, ascending; '' for text too short to have a phrase."""
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < SHINGLE_WORDS:
        return ""
    hashes = {
        int.from_bytes(
            hashlib.blake2b(" ".join(words[i : i + SHINGLE_WORDS]).encode(), digest_size=8).digest(), "big"
        )
        for i in range(len(words) - SHINGLE_WORDS + 1)
    }
    return "".join(f"{h:016x}" for h in heapq.nsmallest(SKETCH_SIZE, hashes))


def _sketch(fingerprint: str) -> list[int]:
    return [int(fingerprint[i : i + 16], 16) for i in range(0, len(fingerprint), 16)]


def content_similarity(a: str, b: str) -> float | None:
    """Estimated Jaccard similarity of the phrase sets behind two fingerprints; None if either is empty."""
    if not a or not b:
        return None
    sa, sb = set(_sketch(a)), set(_sketch(b))
    union_bottom = heapq.nsmallest(SKETCH_SIZE, sa | sb)
    if not union_bottom:
        return None
    shared = sum(1 for h in union_bottom if h in sa and h in sb)
    return shared / len(union_bottom)


# --- changes -----------------------------------------------------------------------------------

# Change kinds, the `change` field of the CLI's JSON.
LINK_LOST = "link_lost"
LINK_BACK = "link_back"
REL_CHANGED = "rel_changed"
PLACEMENT_CHANGED = "placement_changed"
ANCHOR_CHANGED = "anchor_changed"
NOINDEX = "noindex"
INDEXABLE = "indexable"
CANONICAL_MOVED = "canonical_moved"
CANONICAL_BACK = "canonical_back"
ROBOTS_DISALLOWED = "robots_disallowed"
ROBOTS_ALLOWED = "robots_allowed"
HTTP_ERROR = "http_error"
HTTP_OK = "http_ok"
REDIRECTED = "redirected"
CONTENT_REWRITTEN = "content_rewritten"
UNREACHABLE = "unreachable"
REACHABLE = "reachable"

# A watch reports "unreachable" only after this many failed fetches in a row: one timeout is noise.
FAILURES_FOR_UNREACHABLE = 2

TITLES: dict[str, str] = {
    LINK_LOST: "Link lost",
    LINK_BACK: "Link back",
    REL_CHANGED: "Link rel changed",
    PLACEMENT_CHANGED: "Link moved",
    ANCHOR_CHANGED: "Anchor text changed",
    NOINDEX: "Page now noindex",
    INDEXABLE: "Page indexable again",
    CANONICAL_MOVED: "Canonical moved away",
    CANONICAL_BACK: "Canonical back on the page",
    ROBOTS_DISALLOWED: "robots.txt now blocks Googlebot",
    ROBOTS_ALLOWED: "robots.txt allows Googlebot again",
    HTTP_ERROR: "HTTP error",
    HTTP_OK: "HTTP error gone",
    REDIRECTED: "Redirects elsewhere",
    CONTENT_REWRITTEN: "Main content rewritten",
    UNREACHABLE: "Unreachable",
    REACHABLE: "Reachable again",
}


@dataclass(frozen=True)
class Change:
    kind: str
    before: str
    after: str
    evidence: str = ""

    @property
    def title(self) -> str:
        return TITLES.get(self.kind, self.kind)


def _same_url(a: str | None, b: str | None) -> bool:
    """Equal as pages: scheme and host case, a trailing slash and the fragment do not count."""
    if a is None or b is None:
        return a == b

    def key(url: str) -> str:
        parts = urlsplit(url)
        path = parts.path.rstrip("/") or "/"
        return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))

    return key(a) == key(b)


def _status_text(status: int | None) -> str:
    return "HTTP status unknown" if status is None else f"HTTP {status}"


def _is_error(status: int | None) -> bool:
    return status is not None and status >= 400


def _quoted(anchor: str | None) -> str:
    return f"'{anchor}'" if anchor else "(no text)"


def compare(baseline: Observation | None, current: Observation, failures_before: int) -> list[Change]:
    """What a re-check reports.

    `baseline` is the last successful observation (None: this is the first); `failures_before` the
    failed fetches in a row just before `current`. A failed fetch reports nothing until it is the
    second in a row ("unreachable", once); the first success after that reports "reachable" and is
    compared with the last success, so an outage never hides (or invents) a change of the page.
    """
    if not current.ok:
        if failures_before + 1 == FAILURES_FOR_UNREACHABLE:
            return [Change(UNREACHABLE, "reachable", current.error_message or "the page could not be fetched",
                           evidence=f"{FAILURES_FOR_UNREACHABLE} failed fetches in a row ({current.error or 'error'})")]
        return []
    changes: list[Change] = []
    if failures_before >= FAILURES_FOR_UNREACHABLE:
        changes.append(Change(REACHABLE, "unreachable", _status_text(current.http_status)))
    if baseline is None or not baseline.ok:
        return changes
    b, c = baseline, current
    if _is_error(c.http_status) and not _is_error(b.http_status):
        changes.append(Change(HTTP_ERROR, _status_text(b.http_status), _status_text(c.http_status),
                              evidence="an error page is not indexed and passes no value"))
    elif _is_error(b.http_status) and not _is_error(c.http_status):
        changes.append(Change(HTTP_OK, _status_text(b.http_status), _status_text(c.http_status)))
    if not _same_url(b.final_url, c.final_url):
        changes.append(Change(REDIRECTED, b.final_url or "?", c.final_url or "?",
                              evidence="the watched address now ends on another page"))
    if b.found and not c.found:
        changes.append(Change(LINK_LOST, f"link to the target ({b.placement}, {b.rel})", "no link to the target",
                              evidence=f"last seen with anchor {_quoted(b.anchor)}"))
    elif c.found and not b.found:
        changes.append(Change(LINK_BACK, "no link to the target", f"link to the target ({c.placement}, {c.rel})",
                              evidence=f"anchor {_quoted(c.anchor)}"))
    elif b.found and c.found:
        if b.rel != c.rel:
            changes.append(Change(REL_CHANGED, b.rel or "dofollow", c.rel or "dofollow",
                                  evidence="nofollow, ugc and sponsored links pass no ranking value"
                                  if c.rel != "dofollow" else "the link is followed now"))
        if b.placement != c.placement:
            changes.append(Change(PLACEMENT_CHANGED, b.placement or "?", c.placement or "?",
                                  evidence=f"anchor {_quoted(c.anchor)}"))
        if (b.anchor or "").casefold() != (c.anchor or "").casefold():
            changes.append(Change(ANCHOR_CHANGED, _quoted(b.anchor), _quoted(c.anchor)))
    if c.noindex and not b.noindex:
        changes.append(Change(NOINDEX, "indexable", "noindex",
                              evidence=c.noindex_evidence or "meta robots or X-Robots-Tag says noindex"))
    elif b.noindex and not c.noindex:
        changes.append(Change(INDEXABLE, "noindex", "indexable"))
    if c.canonical != b.canonical:
        if c.canonical is not None:
            changes.append(Change(CANONICAL_MOVED, b.canonical or "this page", c.canonical,
                                  evidence="Google indexes the canonical page, not this one"))
        else:
            changes.append(Change(CANONICAL_BACK, b.canonical or "?", "this page"))
    if b.robots_blocked is False and c.robots_blocked is True:
        changes.append(Change(ROBOTS_DISALLOWED, "allowed", "disallowed",
                              evidence=c.robots_evidence or "Googlebot may not crawl the page"))
    elif b.robots_blocked is True and c.robots_blocked is False:
        changes.append(Change(ROBOTS_ALLOWED, "disallowed", "allowed"))
    similarity = content_similarity(b.fingerprint or "", c.fingerprint or "")
    if similarity is not None and similarity < REWRITE_THRESHOLD:
        changes.append(Change(CONTENT_REWRITTEN, "main content as last seen",
                              f"about {round(similarity * 100)}% of its phrases kept",
                              evidence=f"rewritten: under {round(REWRITE_THRESHOLD * 100)}% of 3-word phrases shared"))
    return changes


# --- scheduling ------------------------------------------------------------------------------

# Re-checks are spread by ±10% of the interval, so watches added together do not all come due together.
JITTER_FRACTION = 0.1
# After a failed fetch the watch is tried again this soon (not a whole interval later), so an outage
# is confirmed, or forgotten, within hours.
RETRY_SECONDS = 3600.0


def next_due(now: float, interval_hours: float, random: Callable[[], float], *, failed: bool = False) -> float:
    """When the next re-check is due. `random` returns a float in [0, 1) (random.Random().random)."""
    base = RETRY_SECONDS if failed else interval_hours * 3600.0
    return now + base * (1.0 + JITTER_FRACTION * (2.0 * random() - 1.0))


def first_due(now: float, interval_hours: float, random: Callable[[], float]) -> float:
    """A new watch's first re-check: one interval after the baseline, with the same jitter."""
    return next_due(now, interval_hours, random)
