"""The analysis result: a frozen dataclass tree that serialises to the CLI/storage JSON and back.

``Report.to_dict()`` is the JSON contract shared with the CLI, the SQLite store and the Discord
embeds; ``Report.from_dict()`` rebuilds a stored report so it can be rendered again later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Verdict = Literal["good", "caution", "bad", "unknown"]
RiskLevel = Literal["low", "medium", "high"]

FACTOR_IDS: tuple[str, ...] = (
    "relevance",
    "content_quality",
    "placement",
    "anchor_text",
    "rel",
    "outbound_links",
    "indexability",
    "trust",
    "traffic",
    "link_type",
)
VERDICTS: tuple[str, ...] = ("good", "caution", "bad", "unknown")
ANCHOR_CLASSES: tuple[str, ...] = (
    "branded",
    "naked_url",
    "generic",
    "exact_match",
    "partial_match",
    "descriptive",
    "image",
    "empty",
)
PLACEMENTS: tuple[str, ...] = ("content", "navigation", "header", "footer", "sidebar", "comments", "other")
RISK_LEVELS: tuple[str, ...] = ("low", "medium", "high")


def rel_tokens(value: str | None) -> list[str]:
    """A rel attribute's link types, lower-cased. HTML separates them by spaces; Google also
    reads commas ("ugc,nofollow"), and so do we: a comma list is not a followed link."""
    return (value or "").lower().replace(",", " ").split()


@dataclass(frozen=True)
class Link:
    href: str
    anchor_text: str
    anchor_class: str
    rel: tuple[str, ...]
    placement: str
    internal: bool
    hidden: bool

    @property
    def dofollow(self) -> bool:
        return not ({"nofollow", "ugc", "sponsored"} & set(self.rel))

    def to_dict(self) -> dict[str, Any]:
        return {
            "href": self.href,
            "anchor_text": self.anchor_text,
            "anchor_class": self.anchor_class,
            "rel": list(self.rel),
            "placement": self.placement,
            "internal": self.internal,
            "hidden": self.hidden,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Link:
        return cls(
            href=str(d["href"]),
            anchor_text=str(d.get("anchor_text", "")),
            anchor_class=str(d.get("anchor_class", "empty")),
            rel=tuple(str(r) for r in d.get("rel", ())),
            placement=str(d.get("placement", "other")),
            internal=bool(d.get("internal", False)),
            hidden=bool(d.get("hidden", False)),
        )


@dataclass(frozen=True)
class Factor:
    id: str
    verdict: Verdict
    score: int  # 0-100, 100 = best/safest
    evidence: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return self.verdict != "unknown"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "verdict": self.verdict, "score": self.score, "evidence": list(self.evidence)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Factor:
        verdict = str(d.get("verdict", "unknown"))
        return cls(
            id=str(d["id"]),
            verdict=verdict if verdict in VERDICTS else "unknown",  # type: ignore[arg-type]
            score=int(d.get("score", 0)),
            evidence=tuple(str(e) for e in d.get("evidence", ())),
        )


@dataclass(frozen=True)
class Risk:
    level: RiskLevel
    score: int  # 0-100, 100 = highest risk
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContentSummary:
    text: str
    word_count: int


@dataclass(frozen=True)
class Report:
    url: str
    final_url: str
    status: int | None
    title: str
    content: ContentSummary
    links: tuple[Link, ...]
    target_links: tuple[Link, ...]
    factors: tuple[Factor, ...]
    risk: Risk
    skipped: tuple[str, ...] = ()
    _by_id: dict[str, Factor] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update({f.id: f for f in self.factors})

    def factor(self, factor_id: str) -> Factor:
        """The factor with this id; KeyError names the id when there is none."""
        try:
            return self._by_id[factor_id]
        except KeyError:
            raise KeyError(f"no factor {factor_id!r} in report (known: {', '.join(self._by_id)})") from None

    @property
    def flags(self) -> tuple[str, ...]:
        return self.risk.flags

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "final_url": self.final_url,
            "status": self.status,
            "title": self.title,
            "content": {"text": self.content.text, "word_count": self.content.word_count},
            "links": [link.to_dict() for link in self.links],
            "target_links": [link.to_dict() for link in self.target_links],
            "factors": [f.to_dict() for f in self.factors],
            "risk": {"level": self.risk.level, "score": self.risk.score},
            "flags": list(self.risk.flags),
            "skipped": list(self.skipped),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Report:
        content = d.get("content") or {}
        risk = d.get("risk") or {}
        status = d.get("status")
        level = str(risk.get("level", "medium"))
        return cls(
            url=str(d.get("url", "")),
            final_url=str(d.get("final_url", d.get("url", ""))),
            status=None if status is None else int(status),
            title=str(d.get("title", "")),
            content=ContentSummary(text=str(content.get("text", "")), word_count=int(content.get("word_count", 0))),
            links=tuple(Link.from_dict(x) for x in d.get("links", ())),
            target_links=tuple(Link.from_dict(x) for x in d.get("target_links", ())),
            factors=tuple(Factor.from_dict(x) for x in d.get("factors", ())),
            risk=Risk(
                level=level if level in RISK_LEVELS else "medium",  # type: ignore[arg-type]
                score=int(risk.get("score", 0)),
                flags=tuple(str(f) for f in d.get("flags", ())),
            ),
            skipped=tuple(str(s) for s in d.get("skipped", ())),
        )
