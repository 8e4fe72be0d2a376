"""The review factors, the three vote choices and their emoji: the one place that maps them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Choice(StrEnum):
    GOOD = "good"
    UNSURE = "unsure"
    BAD = "bad"


# Worst first: when a member's reactions leave several candidates, the most cautious one wins.
CAUTION_ORDER: tuple[Choice, ...] = (Choice.BAD, Choice.UNSURE, Choice.GOOD)

CHOICE_EMOJI: dict[Choice, str] = {
    Choice.GOOD: "\N{LARGE GREEN CIRCLE}",  # 🟢 good, low risk
    Choice.UNSURE: "\N{LARGE YELLOW CIRCLE}",  # 🟡 unsure
    Choice.BAD: "\N{LARGE RED CIRCLE}",  # 🔴 bad, risky
}
EMOJI_CHOICE: dict[str, Choice] = {emoji: choice for choice, emoji in CHOICE_EMOJI.items()}

def choice_for_emoji(emoji: str) -> Choice | None:
    """The vote an emoji stands for, or None for any other emoji (those are ignored).

    Some clients append a variation selector (U+FE0F) to emoji; it carries no meaning here.
    """
    return EMOJI_CHOICE.get(emoji.replace("\ufe0f", ""))


@dataclass(frozen=True)
class ReviewFactor:
    id: str
    label: str
    # The bot analysis factor this one is compared with; None for "overall" (compared with the
    # analysis risk level instead).
    analysis_factor: str | None
    question: str


FACTORS: tuple[ReviewFactor, ...] = (
    ReviewFactor("relevance", "Website relevance", "relevance", "Is the site relevant to the target's topic?"),
    ReviewFactor("content_quality", "Content quality", "content_quality", "Is the page real, useful content?"),
    ReviewFactor("anchor_text", "Anchor text", "anchor_text", "Is the anchor text natural?"),
    ReviewFactor("placement", "Link placement", "placement", "Is the link placed in the main content?"),
    ReviewFactor("outbound_links", "Outbound links", "outbound_links", "Are the page's other outbound links clean?"),
    ReviewFactor("overall", "Overall risk", None, "All things considered, is this link safe to get?"),
)
FACTOR_IDS: tuple[str, ...] = tuple(f.id for f in FACTORS)
FACTORS_BY_ID: dict[str, ReviewFactor] = {f.id: f for f in FACTORS}
OVERALL = "overall"

