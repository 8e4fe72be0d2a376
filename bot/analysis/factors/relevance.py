"""Relevance: do the page's title, headings and main text talk about the keyword and the target?

Token overlap, explainable on a napkin: keyword terms (stop words removed, plurals folded) are
looked up in the title (30 points for full coverage), the h1-h3 headings (20), and the main text
(40, a term counting when it appears at least twice, or once in a short text), plus 10 when the
whole phrase appears in the main text. The target page's title and description (known online)
give a second score: the share of their terms found anywhere on the page, full marks at 60 %.
With both, the keyword score weighs 60 % and the target score 40 %.
"""

from __future__ import annotations

from bot.analysis.factors.common import Inputs, factor, quote, unknown
from bot.analysis.report import Factor
from bot.analysis.text_stats import content_terms, phrase_count

ID = "relevance"


def _keyword_score(inp: Inputs, keyword: str, evidence: list[str]) -> float | None:
    kw_terms = list(dict.fromkeys(content_terms(keyword)))
    if not kw_terms:
        evidence.append(f"keyword {quote(keyword)} has only stop words; not scored")
        return None
    title_terms = set(content_terms(inp.facts.title))
    heading_terms = set(content_terms(" ".join(inp.facts.h1 + inp.facts.headings)))
    counts = inp.keyword_term_counts(kw_terms)
    need = 1 if inp.main_figures.word_count < 300 else 2
    in_title = [t for t in kw_terms if t in title_terms]
    in_headings = [t for t in kw_terms if t in heading_terms]
    in_body = [t for t in kw_terms if counts.get(t, 0) >= need]
    n = len(kw_terms)
    score = 30 * len(in_title) / n + 20 * len(in_headings) / n + 40 * len(in_body) / n
    phrase_hits = phrase_count(inp.main_text_lower, keyword.lower()) if len(kw_terms) > 1 else counts.get(kw_terms[0], 0)
    if phrase_hits:
        score += 10
    total = max(1, inp.main_figures.word_count)
    share = sum(counts.get(t, 0) for t in kw_terms) / total * 100
    evidence.append(f"keyword {quote(keyword)} terms: {', '.join(kw_terms)}")
    evidence.append(f"in title: {', '.join(in_title) or 'none'}" + (f" ({quote(inp.facts.title)})" if inp.facts.title else " (no title)"))
    evidence.append(f"in h1-h3 headings: {', '.join(in_headings) or 'none'}")
    body_counts = ", ".join(f"{t} ×{counts.get(t, 0)}" for t in kw_terms)
    evidence.append(f"in main text: {body_counts} ({share:.1f}% of {inp.main_figures.word_count} words)")
    if len(kw_terms) > 1:
        evidence.append(f"whole phrase in main text: {phrase_hits}×")
    return min(100.0, score)


def _target_score(inp: Inputs, evidence: list[str]) -> float | None:
    ctx = inp.context
    if ctx is None:
        return None
    source = " ".join(x for x in (ctx.target_title, ctx.target_description) if x)
    terms = list(dict.fromkeys(content_terms(source)))
    if not terms:
        return None
    page_terms = set(inp.main_terms) | set(content_terms(inp.facts.title + " " + " ".join(inp.facts.h1 + inp.facts.headings)))
    found = [t for t in terms if t in page_terms]
    coverage = len(found) / len(terms)
    label = quote(ctx.target_title or ctx.target_description or "", 60)
    evidence.append(
        f"target page {label}: {len(found)} of {len(terms)} of its title/description terms on this page"
        + (f" ({', '.join(found[:8])})" if found else "")
    )
    return min(100.0, coverage / 0.6 * 100)


def relevance(inp: Inputs) -> Factor:
    evidence: list[str] = []
    kw = _keyword_score(inp, inp.keyword, evidence) if inp.keyword and inp.keyword.strip() else None
    tg = _target_score(inp, evidence)
    if kw is None and tg is None:
        why = "no keyword given" if not inp.keyword else "keyword has no content words"
        extra = "target page title/description not available" + (" (offline)" if inp.offline else "")
        return unknown(ID, f"{why}; {extra}", *evidence)
    if kw is not None and tg is not None:
        score = 0.6 * kw + 0.4 * tg
    else:
        score = kw if kw is not None else tg
    assert score is not None
    return factor(ID, score, evidence)
