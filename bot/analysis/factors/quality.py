"""Content quality of the main content: length, readability, link density, repetition, stuffing.

Start from a length score (under 150 words 15, under 300 "thin" 35, under 600 65, under 1,200 90,
longer 100) and subtract for: very hard reading (Flesch < 30, an English formula, or sentences
over 30 words on average), link density of the main text (link characters / text characters)
over 15 / 30 / 50 %, sentences (5+ words) repeated word for word over 10 / 25 %,
keyword stuffing (the keyword phrase over 2 / 3 per 100 words) and one term hogging the text
(over 6 % of words). Thin content is never better than "bad".
"""

from __future__ import annotations

from bot.analysis.factors.common import Inputs, factor, quote
from bot.analysis.report import Factor
from bot.analysis.text_stats import content_terms, phrase_count, top_word

ID = "content_quality"


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


def content_quality(inp: Inputs) -> Factor:
    fig = inp.main_figures
    wc = fig.word_count
    evidence: list[str] = []
    if not inp.main.text.strip():
        return factor(ID, 5, ["no main content found on the page"])
    score = _length_score(wc)
    evidence.append(f"{wc} words of main content" + (" (thin: under 300)" if wc < 300 else ""))
    if fig.flesch is not None:
        ease = fig.flesch
        label = "very hard" if ease < 30 else "hard" if ease < 50 else "fair" if ease < 70 else "easy"
        evidence.append(
            f"readability: Flesch reading ease ≈ {ease:.0f} ({label}; English formula), "
            f"{fig.avg_sentence_words:.1f} words per sentence"
        )
        if ease < 30 or fig.avg_sentence_words > 30:
            score -= 10
    text_chars = max(1, len(inp.main.text))
    link_chars = sum(len(s.link.anchor_text) for s in inp.scan.links if s.link.placement == "content")
    density = link_chars / text_chars
    evidence.append(f"link density of the main content: {density:.0%} of its text is link text")
    if density > 0.5:
        score -= 35
    elif density > 0.3:
        score -= 20
    elif density > 0.15:
        score -= 10
    if fig.duplicate_sentence_ratio > 0.1:
        evidence.append(f"repeated sentences: {fig.duplicate_sentence_ratio:.0%} of sentences")
        score -= 20 if fig.duplicate_sentence_ratio > 0.25 else 10
    if inp.keyword and content_terms(inp.keyword) and wc:
        hits = phrase_count(inp.main_text_lower, inp.keyword.lower())
        per100 = hits / wc * 100
        evidence.append(f"keyword {quote(inp.keyword)} appears {hits}× ({per100:.1f} per 100 words)")
        if per100 > 3:
            evidence.append("keyword stuffing: over 3 uses per 100 words")
            score -= 30
        elif per100 > 2:
            score -= 10
    top = top_word(inp.main_text_lower, inp.main_words_lower) if wc >= 100 else None
    if top is not None:
        term, count = top
        if count / wc > 0.06:
            evidence.append(f"term '{term}' is {count / wc:.0%} of all words")
            score -= 15
    if wc < 300:
        score = min(score, 35)
    return factor(ID, score, evidence)
