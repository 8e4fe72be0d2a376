"""The analysis JSON contract (README "Command line"), checked field by field."""

from __future__ import annotations

import json
from typing import Any

from bot.analysis.report import ANCHOR_CLASSES, FACTOR_IDS, PLACEMENTS, RISK_LEVELS, VERDICTS, Report

REPORT_KEYS = {"url", "final_url", "status", "title", "content", "links", "target_links", "factors", "risk",
               "flags", "skipped"}
LINK_KEYS = {"href", "anchor_text", "anchor_class", "rel", "placement", "internal", "hidden"}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_link(link: Any) -> None:
    assert isinstance(link, dict) and set(link) == LINK_KEYS, link
    assert isinstance(link["href"], str) and isinstance(link["anchor_text"], str)
    assert link["anchor_class"] in ANCHOR_CLASSES, link["anchor_class"]
    assert link["placement"] in PLACEMENTS, link["placement"]
    assert isinstance(link["rel"], list) and all(isinstance(r, str) for r in link["rel"])
    assert isinstance(link["internal"], bool) and isinstance(link["hidden"], bool)


def check_contract(report: Report) -> dict[str, Any]:
    data = report.to_dict()
    assert set(data) == REPORT_KEYS, set(data) ^ REPORT_KEYS
    assert isinstance(data["url"], str) and isinstance(data["final_url"], str)
    assert data["status"] is None or _is_int(data["status"])
    assert isinstance(data["title"], str)
    content = data["content"]
    assert set(content) == {"text", "word_count"}
    assert isinstance(content["text"], str) and _is_int(content["word_count"]) and content["word_count"] >= 0
    for link in data["links"] + data["target_links"]:
        _check_link(link)
    ids = [f["id"] for f in data["factors"]]
    assert ids == list(FACTOR_IDS), ids
    for factor in data["factors"]:
        assert set(factor) == {"id", "verdict", "score", "evidence"}
        assert factor["verdict"] in VERDICTS
        assert _is_int(factor["score"]) and 0 <= factor["score"] <= 100, factor
        assert isinstance(factor["evidence"], list) and all(isinstance(e, str) for e in factor["evidence"])
    risk = data["risk"]
    assert set(risk) == {"level", "score"}
    assert risk["level"] in RISK_LEVELS and _is_int(risk["score"]) and 0 <= risk["score"] <= 100, risk
    assert all(isinstance(f, str) for f in data["flags"]) and all(isinstance(s, str) for s in data["skipped"])
    # What is stored is what comes back: JSON round trip and Report.from_dict.
    text = json.dumps(data, ensure_ascii=False)
    assert json.loads(text) == data
    assert Report.from_dict(json.loads(text)).to_dict() == data
    return data
