"""The CLI's readable report, rendered from the report's JSON contract (so it never drifts from it)."""

from __future__ import annotations

from typing import Any

from bot.analysis import Report

_VERDICT_MARK = {"good": "OK  ", "caution": "WARN", "bad": "BAD ", "unknown": "??  "}
_VERDICT_COLOR = {"good": "32", "caution": "33", "bad": "31", "unknown": "90"}
_RISK_COLOR = {"low": "32", "medium": "33", "high": "31"}
FACTOR_LABELS = {
    "relevance": "Relevance",
    "content_quality": "Content quality",
    "placement": "Link placement",
    "anchor_text": "Anchor text",
    "rel": "Rel attribute",
    "outbound_links": "Outbound links",
    "indexability": "Indexability",
    "trust": "Trust",
    "traffic": "Traffic",
    "link_type": "Link type",
}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def render_report(report: Report, *, color: bool = False) -> str:
    data: dict[str, Any] = report.to_dict()
    lines: list[str] = []
    title = data.get("title") or "(no title)"
    lines.append(_paint(title, "1", color))
    lines.append(f"  {data['url']}")
    if data.get("final_url") and data["final_url"] != data["url"]:
        lines.append(f"  -> {data['final_url']}")
    status = data.get("status")
    lines.append(f"  status {status if status is not None else 'n/a (offline)'}, "
                 f"{data['content']['word_count']} words of main content, {len(data['links'])} links")
    lines.append("")
    targets = data.get("target_links") or []
    if targets:
        for link in targets[:3]:
            rel = " ".join(link["rel"]) or "dofollow"
            hidden = ", HIDDEN" if link["hidden"] else ""
            lines.append(f"Link found: \"{link['anchor_text'] or '(no text)'}\" -> {link['href']}")
            lines.append(f"  anchor {link['anchor_class']}, rel {rel}, in {link['placement']}{hidden}")
        if len(targets) > 3:
            lines.append(f"  (+{len(targets) - 3} more links to the target)")
        lines.append("")
    for factor in data["factors"]:
        verdict = factor["verdict"]
        mark = _paint(_VERDICT_MARK.get(verdict, verdict), _VERDICT_COLOR.get(verdict, "0"), color)
        label = FACTOR_LABELS.get(factor["id"], factor["id"])
        score = "  n/a" if verdict == "unknown" else f"{factor['score']:>3}/100"
        lines.append(f"[{mark}] {label:<16} {score}")
        for item in factor["evidence"][:4]:
            lines.append(f"         - {item}")
    lines.append("")
    risk = data["risk"]
    risk_text = f"Overall risk: {risk['level'].upper()} ({risk['score']}/100)"
    lines.append(_paint(risk_text, "1;" + _RISK_COLOR.get(risk["level"], "0"), color))
    for flag in data.get("flags") or []:
        lines.append(f"  ! {flag}")
    skipped = data.get("skipped") or []
    if skipped:
        lines.append("")
        lines.append("Skipped (no network in this mode): " + ", ".join(skipped))
    return "\n".join(lines)
