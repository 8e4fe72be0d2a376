"""Peer review: pure rules (eligibility, vote collapsing, tally, verdict, deadlines, reconciliation).

Nothing here imports discord; the review cog turns Discord events into the plain facts these
functions take, and renders what they return.
"""
