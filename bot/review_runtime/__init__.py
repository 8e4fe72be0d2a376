"""The review's runtime machinery: the one writer of votes and the coalesced tally refreshes.

Both run asyncio tasks of their own, which the pure review domain (bot/review) must not; neither
needs Discord, so they live here, between the domain and the cogs.review extension that starts
and stops them.
"""
