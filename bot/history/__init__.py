"""Review history: filters and page cursors, records, verdict reading, exports and the CLI.

The read queries live in bot.storage.history; nothing here imports discord.
"""

from bot.history.filters import FilterError, HistoryFilter, normalise_domain, parse_when
from bot.history.models import (
    CheckReport,
    CheckSummary,
    DomainDossier,
    DomainMemory,
    FactorTally,
    HistoryPage,
    ReviewDetail,
    ReviewerStats,
    ReviewSummary,
    RiskComparison,
    TimelineEntry,
    VoteRecord,
)
from bot.history.paging import PAGE_SIZE, PageCursor, PageState, pack_page_state

__all__ = [
    "PAGE_SIZE",
    "CheckReport",
    "CheckSummary",
    "DomainDossier",
    "DomainMemory",
    "FactorTally",
    "FilterError",
    "HistoryFilter",
    "HistoryPage",
    "PageCursor",
    "PageState",
    "ReviewDetail",
    "ReviewSummary",
    "ReviewerStats",
    "RiskComparison",
    "TimelineEntry",
    "VoteRecord",
    "normalise_domain",
    "pack_page_state",
    "parse_when",
]
