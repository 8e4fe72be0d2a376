"""Pure analysis of a fetched page as a backlink opportunity (no network, no discord).

    from bot.analysis import analyze
    report = analyze(html, url, target="example.com", keyword="running shoes", context=None)
    report.to_dict()  # the JSON contract; Report.from_dict() rebuilds it

Call warm_up() once where analysis workers start: it imports what the first page would otherwise.
"""

from bot.analysis.context import PageContext, RobotsResult
from bot.analysis.pipeline import analyze
from bot.analysis.ranklist import RankList
from bot.analysis.report import (
    ANCHOR_CLASSES,
    FACTOR_IDS,
    PLACEMENTS,
    ContentSummary,
    Factor,
    Link,
    Report,
    Risk,
)
from bot.analysis.text_stats import warm_up

__all__ = [
    "ANCHOR_CLASSES",
    "FACTOR_IDS",
    "PLACEMENTS",
    "ContentSummary",
    "Factor",
    "Link",
    "PageContext",
    "RankList",
    "Report",
    "Risk",
    "RobotsResult",
    "analyze",
    "warm_up",
]
