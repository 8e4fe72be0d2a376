"""Traffic: the bot cannot see it. With an offline rank list (Tranco) it can say whether the site
is among the popular ones: top 100k good (90), listed good (70), not listed caution (45)."""

from __future__ import annotations

from bot.analysis.factors.common import Inputs, factor, unknown
from bot.analysis.report import Factor
from bot.analysis.urls import host_of

ID = "traffic"
COMMUNITY_NOTE = "the bot cannot see traffic: members with traffic tools, please add what you see"


def traffic(inp: Inputs, signals: set[str]) -> Factor:
    ranks = inp.context.rank_list if inp.context is not None else None
    if ranks is None or len(ranks) == 0:
        return unknown(ID, COMMUNITY_NOTE)
    host = host_of(inp.final_url)
    rank = ranks.rank(host)
    if rank is None:
        return factor(ID, 45, [f"{inp.page_site} is not among the {len(ranks):,} sites of the rank list", COMMUNITY_NOTE])
    score = 90 if rank <= 100_000 else 70
    return factor(ID, score, [f"{inp.page_site} ranks #{rank:,} in the rank list of {len(ranks):,} sites", COMMUNITY_NOTE])
