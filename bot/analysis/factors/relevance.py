"""Relevance: do the page's title, headings and main text talk about the keyword and the target?

Token overlap, explainable on a napkin: keyword terms (stop words removed, each reduced to its
stem in the page's language by the one matcher of keyword.py, so "composting" is "compost") are
looked up in the title (30 points for full coverage), the h1-h3 headings (20), and the main text
(40, a term counting when it appears at least twice, or once in a short text), plus 10 when the
whole phrase appears in the main text. The target page's title and description (known online)
give a second score: the share of their terms found anywhere on the page, full marks at 60 %.
With both, the keyword score weighs 60 % and the target score 40 %.
"""

from __future__ import annotations

from bot.analysis.factors.common import GOOD_AT, Inputs, factor, quote, unknown
from bot.analysis.keyword import content_words, phrase_count, term_counts, terms_in, terms_of
from bot.analysis.language import stem
from bot.analysis.report import Factor

ID = "relevance"


def _keyword_score(inp: Inputs, evidence: list[str]) -> tuple[float, str] | None:
    """(score, the sentence that explains it), the details added to `evidence`."""
    kw = inp.matcher
    assert kw is not None
    if not kw.terms:
        evidence.append(f"keyword {quote(kw.text)} has only stop words; not scored")
        return None
    in_title = terms_in(inp.facts.title, kw)
    in_headings = terms_in(" ".join(inp.facts.h1 + inp.facts.headings), kw)
    counts = term_counts(inp.main_text_lower, kw)
    need = 1 if inp.main_figures.word_count < 300 else 2
    in_body = [t for t in kw.terms if counts[t] >= need]
    n = len(kw.terms)
    score = 30 * len(in_title) / n + 20 * len(in_headings) / n + 40 * len(in_body) / n
    phrase_hits = phrase_count(inp.main_text_lower, kw)
    if phrase_hits:
        score += 10
    total = max(1, inp.main_figures.word_count)
    share = sum(counts.values()) / total * 100

    def words(terms: list[str]) -> str:
        return ", ".join(kw.word_for(t) for t in terms) or "none"

    where = (("title", in_title), ("headings", in_headings), ("main text", in_body))
    places = [name for name, found in where if found]
    short = [name for name, found in where if len(found) < n]
    if score >= GOOD_AT:
        lead = f"the page is about {quote(kw.text)}: its terms are in the {_joined(places)}"
    elif not places:
        lead = f"the page does not talk about {quote(kw.text)}: none of its terms in the title, headings or main text"
    else:
        lead = f"{quote(kw.text)} is at most a side topic here: not all its terms are in the {_joined(short)}"
    evidence.append(f"in title: {words(in_title)}" + (f" ({quote(inp.facts.title)})" if inp.facts.title else " (no title)"))
    evidence.append(f"in h1-h3 headings: {words(in_headings)}")
    body_counts = ", ".join(f"{kw.word_for(t)} ×{counts[t]}" for t in kw.terms)
    evidence.append(f"in main text (any form): {body_counts} ({share:.1f}% of {inp.main_figures.word_count} words)")
    if len(kw.sequence) > 1:
        evidence.append(f"whole phrase in main text: {phrase_hits}×")
    return min(100.0, score), lead


def _joined(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _target_score(inp: Inputs, evidence: list[str]) -> tuple[float, str] | None:
    """(score, the sentence that explains it) from the target page's title and description."""
    ctx = inp.context
    if ctx is None:
        return None
    source = " ".join(x for x in (ctx.target_title, ctx.target_description) if x)
    words = content_words(source)
    shown: dict[str, str] = {}
    for word in words:
        shown.setdefault(stem(word, inp.language), word)
    if not shown:
        return None
    page_terms = set(inp.main_terms) | set(terms_of(inp.facts.title + " " + " ".join(inp.facts.h1 + inp.facts.headings), inp.language))
    found = [word for term, word in shown.items() if term in page_terms]
    coverage = len(found) / len(shown)
    label = quote(ctx.target_title or ctx.target_description or "", 60)
    evidence.append(
        f"target page {label}: {len(found)} of {len(shown)} of its title/description terms on this page"
        + (f" ({', '.join(found[:8])})" if found else "")
    )
    score = min(100.0, coverage / 0.6 * 100)
    if score >= GOOD_AT:
        lead = f"the page covers the target page's topic: {len(found)} of {len(shown)} of its terms"
    else:
        lead = f"the page shares few terms with the target page {label}: {len(found)} of {len(shown)}"
    return score, lead


def relevance(inp: Inputs) -> Factor:
    evidence: list[str] = []
    parts = [p for p in (_keyword_score(inp, evidence) if inp.matcher is not None else None, _target_score(inp, evidence)) if p]
    if not parts:
        why = "no keyword given" if not inp.keyword else "keyword has no content words"
        extra = "target page title/description not available" + (" (offline)" if inp.offline else "")
        return unknown(ID, f"{why}; {extra}", *evidence)
    # The keyword weighs 60 %, the target page 40 %.
    score = 0.6 * parts[0][0] + 0.4 * parts[1][0] if len(parts) == 2 else parts[0][0]
    # The part that decides the verdict speaks first: the stronger one of a good verdict, the
    # weaker one otherwise.
    ordered = sorted(parts, key=lambda p: p[0], reverse=score >= GOOD_AT)
    return factor(ID, score, [lead for _, lead in ordered] + evidence)
