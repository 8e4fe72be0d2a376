"""What every factor reads, and the one score → verdict mapping they share."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate

from bot.analysis.content import MainContent
from bot.analysis.context import PageContext
from bot.analysis.keyword import Keyword, make_keyword
from bot.analysis.language import DEFAULT_LANGUAGE
from bot.analysis.lexicon import SPAM_NICHE_GATES, SPAM_NICHES
from bot.analysis.links import LinkScan, ScannedLink
from bot.analysis.page import PageFacts
from bot.analysis.report import Factor, Verdict
from bot.analysis.text_stats import TextFigures, term_counts
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
    language: str = DEFAULT_LANGUAGE  # the page's, from <html lang> or Content-Language

    @cached_property
    def main_terms(self) -> Counter[str]:
        """All content terms of the main text; built only when a factor needs the whole vocabulary."""
        return term_counts(self.main.text, self.language)

    @cached_property
    def matcher(self) -> Keyword | None:
        """The keyword as every factor matches it (stems in the page's language); None without one."""
        return make_keyword(self.keyword, self.language) if self.keyword and self.keyword.strip() else None

    @cached_property
    def internal_links(self) -> list[ScannedLink]:
        """The page's links to its own site, in page order (several factors go through them)."""
        return [s for s in self.scan.links if s.link.internal]

    @cached_property
    def external_links(self) -> list[ScannedLink]:
        """The page's links to other sites, in page order."""
        return [s for s in self.scan.links if not s.link.internal]

    @cached_property
    def spam_links(self) -> list[tuple[ScannedLink, str, str]]:
        """(link, niche, matched text) for each external link into a spam niche, targets excluded:
        outbound links and trust both judge them, from one pass."""
        if not self.targets:
            return spam_niche_links(self.external_links)
        target_ids = {id(s) for s in self.targets}
        return spam_niche_links([s for s in self.external_links if id(s) not in target_ids])

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


def judged(
    factor_id: str,
    start: float,
    penalties: list[tuple[float, str]],
    *,
    strength: str,
    facts: list[str] | tuple[str, ...] = (),
    caps: list[tuple[float, str]] | tuple[tuple[float, str], ...] = (),
) -> Factor:
    """A factor scored from `start` minus its (points, reason) penalties, held at or below each
    (ceiling, reason) cap, whose evidence leads with the reason for its verdict: `strength` when
    the verdict is good, else the lowest ceiling or the heaviest penalty. The other reasons that
    lowered the score follow (ceilings, then penalties heaviest first), then the plain facts.

    A green verdict that opened with a weakness ("Trust 85 — served over plain HTTP") would read
    as a contradiction, and so would a red one that opened with a strength."""
    score = start - sum(points for points, _ in penalties)
    reasons = [text for _, text in sorted(penalties, key=lambda p: -p[0])]
    # A ceiling is a rule the verdict cannot get past, so it explains the verdict first.
    for ceiling, text in sorted(caps, reverse=True):
        score = min(score, ceiling)
        reasons.insert(0, text)
    s = max(0, min(100, round(score)))
    lead = [strength] if verdict_for(s) == "good" or not reasons else []
    return factor(factor_id, s, lead + reasons + list(facts))


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


def spam_niche_links(links: list[ScannedLink]) -> list[tuple[ScannedLink, str, str]]:
    """(link, niche, matched text) per spam-niche link; each niche regex runs once over all links."""
    if not links:
        return []
    parts = [f"{s.link.href.split('//', 1)[-1][:400]} {s.link.anchor_text[:200]}".lower() + "\n" for s in links]
    blob = "".join(parts)
    starts: list[int] | None = None  # where each link's line starts; needed only for a match
    found: dict[int, tuple[str, str]] = {}
    for niche, pattern in SPAM_NICHES.items():
        # map() keeps the substring tests in C: a generator costs a Python frame step per word.
        if not any(map(blob.__contains__, SPAM_NICHE_GATES[niche])):
            continue
        for m in pattern.finditer(blob):
            if starts is None:
                starts = [0, *accumulate(map(len, parts[:-1]))]
            i = bisect_right(starts, m.start()) - 1
            found.setdefault(i, (niche, m.group()))
    return [(links[i], niche, word) for i, (niche, word) in sorted(found.items())]
