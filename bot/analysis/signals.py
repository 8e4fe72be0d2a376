"""Named conditions the factors raise and the risk rules act on (see risk.py)."""

from __future__ import annotations

TARGET_HIDDEN = "target_hidden"
PAID_UNDISCLOSED = "paid_undisclosed"
NOINDEX = "noindex"
ROBOTS_BLOCKED = "robots_blocked"
ERROR_STATUS = "error_status"
TARGET_MISSING = "target_missing"
NOT_BACKLINK = "not_backlink"
SPAM_NICHE_CONTENT = "spam_niche_content"
SPAM_NICHE_PAGE = "spam_niche_page"
EXACT_MATCH = "exact_match"
SITEWIDE_EXACT = "sitewide_exact"
EMPTY_ANCHOR = "empty_anchor"
LINK_SELLING = "link_selling"
CANONICAL_ELSEWHERE = "canonical_elsewhere"
LINK_SELLER = "link_seller"  # several link-selling footprints, some of them about money
LINK_FARM = "link_farm"  # a short text carrying dozens of links to distinct sites
BAD_NEIGHBOURHOOD = "bad_neighbourhood"  # the article links into several spam niches
KEYWORD_STUFFING = "keyword_stuffing"
AFFILIATE_DOFOLLOW = "affiliate_dofollow"  # affiliate disclosure, but the target link is followed
