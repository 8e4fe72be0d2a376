"""Content quality of the main content: length, readability, link density, repetition, stuffing.

Start from a length score (under 150 words 15, under 300 "thin" 35, under 600 65, under 1,200 90,
longer 100) and subtract for: very hard reading (reading ease < 30 by the formula of the page's
language, see text_stats.py, or sentences over 30 words on average), link density of the main
text (link characters / text characters) over 15 / 30 / 50 %, sentences (5+ words) repeated word
for word over 10 / 25 %, the keyword (any form, see keyword.py) over 2 uses per 100 words −10,
and one term hogging the text (over 6 % of words) −15. Keyword stuffing — over 5 uses per 100
words, a dozen or more — holds the score at 25, bad. Thin content is never better than "bad".
"""

from __future__ import annotations

from bot.analysis import signals as sig
from bot.analysis.factors.common import Inputs, factor, judged, quote
from bot.analysis.keyword import phrase_count
from bot.analysis.report import Factor
from bot.analysis.text_stats import MIN_READABILITY_WORDS, top_word

ID = "content_quality"
# Keyword stuffing: a short page that says the keyword dozens of times. News about Hong Kong or
# Star Trek names its subject about 3 times per 100 words; over 5 is past what any text about
# the subject needs, and a dozen uses keeps a short note that names its subject from counting.
STUFFED_PER_100 = 5.0
STUFFED_MIN_HITS = 12
OFTEN_PER_100 = 2.0
STUFFED_CAP = 25


def _length_score(words: int) -> float:
    if words < 150:
        return 15
    if words < 300:
        return 35
    if words < 600:
        return 65
    if words < 1200:
        return 90
    return 100


def content_quality(inp: Inputs, signals: set[str]) -> Factor:
    fig = inp.main_figures
    wc = fig.word_count
    if not inp.main.text.strip():
        return factor(ID, 5, ["no main content found on the page"])
    start = _length_score(wc)
    penalties: list[tuple[float, str]] = []
    caps: list[tuple[float, str]] = []
    facts: list[str] = []
    if fig.flesch is not None:
        ease = fig.flesch
        label = "very hard" if ease < 30 else "hard" if ease < 50 else "fair" if ease < 70 else "easy"
        reading = f"readability: {fig.formula} ≈ {ease:.0f} ({label}), {fig.avg_sentence_words:.1f} words per sentence"
        if ease < 30 or fig.avg_sentence_words > 30:
            penalties.append((10, reading))
        else:
            facts.append(reading)
    else:
        why = "too little text" if wc < MIN_READABILITY_WORDS else f"no reading-ease formula for language '{fig.language}'"
        reading = f"readability not scored ({why}); {fig.avg_sentence_words:.1f} words per sentence"
        if fig.avg_sentence_words > 30 and wc >= MIN_READABILITY_WORDS:
            penalties.append((10, reading))
        else:
            facts.append(reading)
    text_chars = max(1, len(inp.main.text))
    link_chars = sum(len(s.link.anchor_text) for s in inp.scan.links if s.link.placement == "content")
    density = link_chars / text_chars
    dense = f"link density of the main content: {density:.0%} of its text is link text"
    if density > 0.5:
        penalties.append((35, dense))
    elif density > 0.3:
        penalties.append((20, dense))
    elif density > 0.15:
        penalties.append((10, dense))
    else:
        facts.append(dense)
    if fig.duplicate_sentence_ratio > 0.1:
        penalties.append(
            (20 if fig.duplicate_sentence_ratio > 0.25 else 10, f"repeated sentences: {fig.duplicate_sentence_ratio:.0%} of sentences")
        )
    kw = inp.matcher
    if kw is not None and kw.terms and wc:
        hits = phrase_count(inp.main_text_lower, kw)
        per100 = hits / wc * 100
        uses = f"the whole keyword {quote(kw.text)} (any form) appears {hits}× ({per100:.1f} per 100 words)"
        if per100 > STUFFED_PER_100 and hits >= STUFFED_MIN_HITS:
            signals.add(sig.KEYWORD_STUFFING)
            caps.append((STUFFED_CAP, f"keyword stuffing: {uses}"))
        elif per100 > OFTEN_PER_100:
            penalties.append((10, f"keyword used often: {uses}"))
        else:
            facts.append(uses)
    top = top_word(inp.main_text_lower, inp.main_words_lower, inp.language) if wc >= 100 else None
    if top is not None:
        term, count = top
        if count / wc > 0.06:
            penalties.append((15, f"term '{term}' is {count / wc:.0%} of all words"))
    if wc < 300:
        caps.append((35, f"thin content: {wc} words of main content (under 300)"))
    elif wc < 600:
        # The length score already took this off: it is the reason, not a further penalty.
        penalties.append((0, f"short: {wc} words of main content (under 600)"))
    return judged(ID, start, penalties, strength=f"substantial text: {wc} words of main content", facts=facts, caps=caps)
