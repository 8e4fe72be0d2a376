"""What an audit leaves behind in Discord: the results CSV and JSON, a disavow draft, a chart.

Pure functions over rows and the summary; the chart uses matplotlib's Agg backend through the
object API (no pyplot state), so it is safe in a worker thread.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from bot.analysis.urls import host_of, registrable_domain
from bot.audit.rows import CSV_COLUMNS, AuditRow

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): anchor
# texts and URLs come from pages anyone can write.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _guard(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def rows_csv(rows: Iterable[AuditRow]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_guard(v) for v in row.csv_values()])
    return buf.getvalue().encode("utf-8")


def rows_json(target: str, rows: Iterable[AuditRow], summary: dict[str, Any]) -> bytes:
    doc = {"target": target, "rows": [r.to_dict() for r in rows], "summary": summary}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def _domain(row: AuditRow) -> str:
    host = host_of(row.final_url or row.source_url).lower()
    return registrable_domain(host) if host else ""


def disavow_domains(rows: Iterable[AuditRow], target: str) -> list[str]:
    """Registrable domains of the high-risk pages, never the target's own site."""
    target_host = host_of(target if "://" in target else f"https://{target}").lower()
    own = registrable_domain(target_host) if target_host else ""
    found: dict[str, None] = {}
    for row in rows:
        if row.outcome == "analysed" and row.risk_level == "high":
            domain = _domain(row)
            if domain and domain != own:
                found[domain] = None
    return sorted(found)


def disavow_draft(domains: list[str], *, target: str, audit_id: int, now: float) -> bytes:
    when = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = [
        "# DRAFT disavow file from Second Opinion's bulk audit — review every line before uploading it",
        "# to Google's disavow tool: a wrongly disavowed domain throws away a good link.",
        f"# audit: {audit_id}   target: {' '.join(target.split())}   made: {when}",
        f"# {len(domains)} domain(s) whose pages the audit judged high risk (the target's own domain is never listed).",
    ]
    lines = [*header, *(f"domain:{_ascii(d)}" for d in domains)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _ascii(domain: str) -> str:
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def chart_png(summary: dict[str, Any]) -> bytes:
    """Risk by count (with the pages not analysed) and the anchor-text mix, side by side."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.6), dpi=100)
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    by_risk = summary.get("by_risk", {})
    labels = ["low", "medium", "high", "not analysed"]
    values = [by_risk.get("low", 0), by_risk.get("medium", 0), by_risk.get("high", 0), summary.get("failed", 0)]
    bars = left.bar(labels, values, color=["#3ba55d", "#faa61a", "#ed4245", "#99aab5"])
    left.bar_label(bars)
    left.set_title("Pages by risk")
    left.set_ylabel("pages")
    anchors = sorted(summary.get("anchor_classes", {}).items(), key=lambda kv: -kv[1])
    if anchors:
        names = [k for k, _ in anchors]
        counts = [v for _, v in anchors]
        colours = ["#ed4245" if n == "exact_match" else "#5865f2" for n in names]
        hbars = right.barh(names, counts, color=colours)
        right.bar_label(hbars)
        right.invert_yaxis()
    else:
        right.text(0.5, 0.5, "no target links found", ha="center", va="center")
        right.set_xticks([])
        right.set_yticks([])
    share = summary.get("profile", {}).get("exact_match_share", 0.0)
    right.set_title(f"Anchor-text mix (exact match {share:.0%})")
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
