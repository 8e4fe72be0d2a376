"""What every factor reads, and the one score → verdict mapping they share."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from bot.analysis.content import MainContent
from bot.analysis.context import PageContext
from bot.analysis.links import LinkScan, ScannedLink
from bot.analysis.page import PageFacts
from bot.analysis.report import Factor, Verdict
from bot.analysis.text_stats import TextFigures, keyword_counts, term_counts
from bot.analysis.urls import Target

GOOD_AT = 70
CAUTION_AT = 40
MAX_EVIDENCE_ITEMS = 5


@dataclass(frozen=True)
class Inputs:
    url: str
    final_url: str
    page_site: str
    facts: PageFacts
    main: MainContent
    main_figures: TextFigures
    page_text: str  # the body's text without scripts and styles, newlines as spaces
    page_text_lower: str
    scan: LinkScan
    target: Target | None
    target_raw: str | None
    keyword: str | None
    context: PageContext | None

    @cached_property
    def main_terms(self) -> Counter[str]:
        """All content terms of the main text; built only when a factor needs the whole vocabulary."""
        return term_counts(self.main.text)

    @cached_property
    def main_text_lower(self) -> str:
        return self.main.text.lower()

    @cached_property
    def main_words_lower(self) -> list[str]:
        """Whitespace tokens of the lower-cased main text."""
        return self.main_text_lower.split()

    def share_main_text(self, lower: str, words_lower: list[str]) -> None:
        """Hand over the lower-cased main text and its tokens when the caller made them already
        (the pipeline needs them for the word count), so no factor computes them again."""
        self.__dict__["main_text_lower"] = lower
        self.__dict__["main_words_lower"] = words_lower

    def keyword_term_counts(self, terms: list[str]) -> dict[str, int]:
        """Counts of a few (stemmed) terms in the main text, without building the whole vocabulary."""
        return keyword_counts(self.main_text_lower, terms)

    @property
    def targets(self) -> list[ScannedLink]:
        return self.scan.targets

    @property
    def offline(self) -> bool:
        return self.context is None


def verdict_for(score: float) -> Verdict:
    if score >= GOOD_AT:
        return "good"
    if score >= CAUTION_AT:
        return "caution"
    return "bad"


def factor(factor_id: str, score: float, evidence: list[str], verdict: Verdict | None = None) -> Factor:
    """A factor whose verdict follows its score (good ≥ 70, caution ≥ 40, bad below) unless given."""
    s = max(0, min(100, round(score)))
    return Factor(id=factor_id, verdict=verdict or verdict_for(s), score=s, evidence=tuple(evidence))


def unknown(factor_id: str, *evidence: str) -> Factor:
    return Factor(id=factor_id, verdict="unknown", score=0, evidence=tuple(evidence))


def quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return f"'{text[: limit - 1]}…'" if len(text) > limit else f"'{text}'"


def short_url(url: str, limit: int = 90) -> str:
    return url if len(url) <= limit else url[: limit - 1] + "…"


def primary_target(targets: list[ScannedLink]) -> ScannedLink | None:
    """The target link that counts most: visible and in the content, else visible, else the first."""
    for s in targets:
        if not s.link.hidden and s.link.placement == "content":
            return s
    for s in targets:
        if not s.link.hidden:
            return s
    return targets[0] if targets else None
