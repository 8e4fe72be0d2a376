"""Word lists and phrase patterns the factors match against, kept in one place so they can be
reviewed and extended without reading the scoring code. All matching is on lower-cased text."""

from __future__ import annotations

import re

STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because been before being
    below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down
    during each few for from further get gets got had hadn't has hasn't have haven't having he her here hers
    herself him himself his how i if in into is isn't it it's its itself just let's like me more most much
    my myself no nor not now of off on once only or other ought our ours ourselves out over own same she
    should shouldn't so some such than that that's the their theirs them themselves then there there's these
    they this those through to too under until up upon us very via was wasn't we were weren't what when where
    which while who whom why will with won't would wouldn't you your yours yourself yourselves s t ll ve re
    d m one two new use used using may might must make many well way also even still yet per vs
    """.split()
)

# Anchors that say nothing about the target ("click here" style), compared after normalising.
GENERIC_ANCHORS = frozenset(
    {
        "click here", "click", "here", "this", "link", "this link", "this site", "this website", "this page",
        "this article", "this post", "website", "web site", "site", "page", "read more", "more", "learn more",
        "find out more", "more info", "more information", "info", "see more", "see here", "go here", "visit",
        "visit site", "visit website", "visit the website", "visit this site", "check it out", "check this out",
        "source", "details", "continue", "continue reading", "read", "read here", "read the article",
        "full article", "the article", "article", "homepage", "home page", "official website", "official site",
        "click this link", "here's", "go", "view", "view more", "download", "download here", "get it here",
        "this one", "these", "there", "their website", "the website", "his website", "her website",
    }
)
# An anchor made only of these words says nothing of its page either: "click here to read more",
# "read the full article here", "learn more about it".
GENERIC_ANCHOR_WORDS = frozenset(
    {
        "click", "here", "to", "read", "more", "learn", "find", "out", "for", "about", "it", "this", "that", "the",
        "link", "site", "website", "page", "article", "post", "full", "info", "information", "see", "go", "visit",
        "check", "continue", "reading", "details", "view", "now", "please", "and", "on", "our", "their",
    }
)
MAX_GENERIC_WORDS = 7

# Affixes products glue to their brand when the plain name's domain is taken: getacme.com,
# tryacme.com, useacme.com, acmeapp.com, acmehq.com, acmeofficial.com are all "Acme".
BRAND_PREFIXES = ("get", "try", "use")
BRAND_SUFFIXES = ("app", "hq", "official")

# Spam niches for outbound links, matched in the host + path and the anchor of each external link.
# Distinctive stems match anywhere (domains glue words together: "bestcasinosites"); words that
# have innocent senses ("bet", "slots", "pills", "loans", "adult") are left out on purpose, and
# others count only with the words that make them spam: "escort" (a Ford Escort) with services
# or agencies, "cbd" (Sydney's CBD) with oils or shops, "betting" but not "abetting".
SPAM_NICHES: dict[str, re.Pattern[str]] = {
    "gambling": re.compile(
        r"casino|poker|roulette|blackjack|sportsbook|bookmaker|jackpot|gambl|(?<!a)betting|slot[-_ ]?(?:gacor|online|machines?)"
        r"|\btogel\b|judi[-_ ]?(?:online|bola|slot)|baccarat|\bbet365\b|1xbet"
    ),
    "pharma": re.compile(
        r"viagra|cialis|levitra|kamagra|tadalafil|sildenafil|online[-_ ]?pharmacy|pharmacy[-_ ]?online|oxycodone|tramadol"
        r"|xanax|phentermine|buy[-_ ]?(?:pills|steroids)"
    ),
    "payday loans": re.compile(r"payday|cash[-_ ]?advance|title[-_ ]?loans?|quick[-_ ]?cash[-_ ]?loans?|bad[-_ ]?credit[-_ ]?loans?"),
    "adult": re.compile(
        r"porn|\bxxx\b|sexcam|livecam|escorts?[-_ ]?(?:services?|agenc|girls?|ladies|models?)|\bcall[-_ ]?girls?\b"
        r"|hentai|onlyfans|nsfw|xvideos|xhamster|camgirl"
    ),
    "essay writing": re.compile(
        r"essay[-_ ]?(?:writ|help|servic|mill|pro\b|shark|typer)|write[-_ ]?my[-_ ]?(?:paper|essay)|homework[-_ ]?help"
        r"|term[-_ ]?papers?[-_ ]?(?:writ|for[-_ ]?sale)|dissertation[-_ ]?(?:writ|help)|assignment[-_ ]?help"
    ),
    "cbd": re.compile(
        r"cbd[-_ ]?(?:oils?|gumm|edibles?|vapes?|products?|shop|store|tinctur|capsul|cream|flower|isolate|pens?)"
        r"|(?:buy|best|cheap)[-_ ]?cbd|cannabidiol|\bdelta[-_ ]?8\b|\bkratom\b|hemp[-_ ]?oil"
    ),
    "crypto schemes": re.compile(
        r"bitcoin[-_ ]?(?:doubler|generator|profit|code|era)|crypto[-_ ]?(?:signals?|profit|giveaway)|binary[-_ ]?options"
        r"|forex[-_ ]?signals?|\bairdrop\b"
    ),
    "replicas": re.compile(r"replica|fake[-_ ]?(?:watch|rolex|bags?)|cheap[-_ ]?jerseys|knock[-_ ]?off"),
}

# Literal words that every match of a niche's pattern contains: the pattern only runs when one
# of them is present (a substring test costs about a microsecond, the regex far more).
SPAM_NICHE_GATES: dict[str, tuple[str, ...]] = {
    "gambling": (
        "casino", "poker", "roulette", "blackjack", "sportsbook", "bookmaker", "jackpot", "gambl", "betting",
        "slot", "togel", "judi", "baccarat", "bet365", "1xbet",
    ),
    "pharma": (
        "viagra", "cialis", "levitra", "kamagra", "tadalafil", "sildenafil", "pharmacy", "oxycodone", "tramadol",
        "xanax", "phentermine", "buy",
    ),
    "payday loans": ("payday", "cash", "title", "credit"),
    "adult": ("porn", "xxx", "sexcam", "livecam", "escort", "call", "hentai", "onlyfans", "nsfw", "xvideos", "xhamster", "camgirl"),
    "essay writing": ("essay", "write", "homework", "term", "dissertation", "assignment"),
    "cbd": ("cbd", "cannabidiol", "delta", "kratom", "hemp"),
    "crypto schemes": ("bitcoin", "crypto", "binary", "forex", "airdrop"),
    "replicas": ("replica", "fake", "jerseys", "knock"),
}

# Link-selling footprints: the page (or its links) advertise that links are for sale. Plain
# phrases are searched with `in` (fast C substring search); only DA/DR figures need a regex.
# Guest-post invitations are common on honest blogs too; the sales phrases speak of money.
GUEST_POST_PHRASES = (
    "write for us", "writers wanted", "guest post guidelines", "guest posting guidelines", "submit a guest post",
    "submit guest post", "guest posts accepted", "guest post accepted", "accepting guest posts", "we accept guest posts",
    "contribute a guest post", "submit your guest post",
)
LINK_SALE_PHRASES = (
    "sponsored posts accepted", "sponsored post accepted", "we accept sponsored", "buy backlinks", "buy links",
    "buy a link", "selling links", "sell links", "link insertion", "niche edit", "price list", "paid guest post",
    "dofollow links for sale", "do-follow links for sale", "dofollow backlink", "guest post service",
    "guest post price", "submit your link", "submit your site", "submit your website", "submit your url",
    "add your link", "add your site", "add your website", "add your url", "link exchange", "buy a listing",
)
LINK_SELLING_PHRASES = GUEST_POST_PHRASES + LINK_SALE_PHRASES
# Matched on the original-case text: "DA 50+" is a sales sheet, Portuguese "da 25 de abril" is not.
# One pattern per literal start, so the regex engine can jump between candidates quickly; the
# word boundary before the match is checked by the caller.
LINK_METRICS = tuple(
    re.compile(prefix + r"\s*[:=]?\s*\d{2}\+?(?!\w)")
    for prefix in ("DA", "DR", "PA", "Domain Authority", "Domain Rating", "domain authority", "domain rating")
)
LINK_SELLING_HREF = re.compile(
    r"write-for-us|writeforus|guest-post|guestpost|submit-(?:an?-)?(?:article|post)|sponsored-post|buy-links|link-insertion"
)
# Every match of LINK_SELLING_HREF contains one of these: the regex (which has no literal start to
# jump between, so it tries every position) runs only when one is there.
LINK_SELLING_HREF_GATES = ("write", "guest", "submit-", "sponsored-post", "buy-links", "link-insertion")

# Disclosure that a post was paid for: its links must then carry rel=sponsored (or nofollow).
# Searched where disclosures sit: the title, disclosure blocks, the start and end of the article
# and what follows a "Disclosure:" label in it (see factors/link.py). Phrases that speak of the page itself: they count wherever the article says them. The others
# ("sponsored by", "sponsored post") also occur in articles about advertising, so in the body of
# the text they count only at its start or end, or after a "Disclosure:" label.
SELF_DISCLOSURE_PHRASES = (
    "this post was sponsored", "this post is sponsored", "this article was sponsored", "this article is sponsored",
    "this content is sponsored", "this is a sponsored", "this is a paid",
)
PAID_DISCLOSURE_PHRASES = SELF_DISCLOSURE_PHRASES + (
    "sponsored post", "sponsored content", "sponsored article", "sponsored by", "paid post", "paid partnership",
    "paid placement", "paid promotion", "advertorial", "promoted post", "#ad ", "#sponsored", "[sponsored]",
    "paid for by",
)
# Ordinary prose uses these too ("the museum, in partnership with the city"): they count only in
# the title or a disclosure block.
WEAK_DISCLOSURE_PHRASES = ("in partnership with", "brought to you by", "partner content", "promoted content")
DISCLOSURE_LABELS = ("disclosure:", "disclaimer:")
# Affiliate disclosures and the wording of affiliate boxes: the links beside them earn the page a
# commission, and Google asks that such links carry rel="sponsored". Searched in the article and
# in disclosure notes (which may be read as boilerplate and left out of the article's text). Bare
# "affiliate link" is left out: articles about affiliate marketing say it.
AFFILIATE_PHRASES = (
    "may receive a commission", "may earn a commission", "may receive a small commission",
    "may earn a small commission", "we earn a commission", "i earn a commission", "earn a small commission",
    "receive a small commission", "receives a commission", "earns a commission", "an affiliate commission",
    "contains affiliate links", "contain affiliate links", "includes affiliate links", "are affiliate links",
    "through affiliate links", "via affiliate links", "as an amazon associate", "available from amazon",
    "available at amazon", "available on amazon", "buy on amazon", "check price on amazon",
    "commission at no extra cost", "at no additional cost to you", "at no extra cost to you",
)
# Amazon requires this sentence of every site in its programme, usually in a sitewide footer note:
# it speaks of the site's Amazon links, not of a guest post's, so it counts in the article only.
SITEWIDE_AFFILIATE_PHRASES = ("as an amazon associate",)

# TLDs with disproportionate spam shares in public abuse reports.
SPAM_TLDS = frozenset(
    {
        "xyz", "top", "click", "loan", "work", "gq", "tk", "ml", "cf", "ga", "buzz", "icu", "rest", "cyou", "cam",
        "sbs", "bar", "monster", "quest", "mom", "lol", "win", "bid", "stream", "download", "racing", "review",
        "date", "faith", "party", "trade", "accountant", "science", "cricket", "men", "kim", "country", "zip",
        "mov", "live", "online", "site", "fun", "space", "website", "pw", "su",
    }
)

# Words that make a domain read as built for keywords rather than a brand.
COMMERCIAL_DOMAIN_WORDS = (
    "best", "cheap", "top", "buy", "review", "reviews", "deal", "deals", "discount", "free", "online", "seo",
    "link", "links", "guest", "post", "blog", "news", "hub", "guide", "tips", "info", "pro", "expert",
)

# Matched against newline-joined lists of link paths / anchors, hence MULTILINE.
ABOUT_HREF = re.compile(r"/(?:about|about-us|aboutus|who-we-are|our-story|team)(?:[/.?#]|$)", re.M)
CONTACT_HREF = re.compile(r"/(?:contact|contact-us|contactus|impressum|imprint)(?:[/.?#]|$)", re.M)
ABOUT_ANCHOR = re.compile(r"^(?:about|about us|who we are|our story|our team)$", re.M)
CONTACT_ANCHOR = re.compile(r"^(?:contact|contact us|get in touch|impressum|imprint)$", re.M)
