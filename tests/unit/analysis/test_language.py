"""The page's language, its stemmer, the one keyword matcher and reading ease per language."""

from __future__ import annotations

import re
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.analysis import PageContext, analyze
from bot.analysis.keyword import make_keyword, phrase_count, term_counts, terms_in
from bot.analysis.language import language_of, stem
from bot.analysis.text_stats import ENGLISH_FORMULA, figures

from .pages import article_html, page


@pytest.mark.parametrize(
    ("html_lang", "content_language", "expected"),
    [
        ("pt-BR", None, "pt"),
        ("en_GB", None, "en"),
        ("", "it-IT, en", "it"),
        (None, None, "en"),
        ("x-klingon-123", None, "en"),  # no primary language subtag: English
        ("RU", "de", "ru"),  # <html lang> first, as browsers read it
    ],
)
def test_language_of(html_lang, content_language, expected):
    assert language_of(html_lang, content_language) == expected


@pytest.mark.parametrize(
    ("word", "language", "expected"),
    [
        ("composting", "en", "compost"),
        ("bins", "en", "bin"),
        ("stories", "en", "stori"),
        ("story", "en", "stori"),
        ("composteiras", "pt", "composteir"),
        ("composteira", "pt", "composteir"),
        ("giardini", "it", "giardin"),
        ("giardino", "it", "giardin"),
        ("компостирование", "ru", stem("компостированием", "ru")),
        ("퇴비", "ko", "퇴비"),  # no Snowball stemmer for Korean: English's leaves it alone
    ],
)
def test_stems_in_the_language_of_the_page(word, language, expected):
    assert stem(word, language) == expected


def test_stemmers_are_safe_to_use_from_several_threads():
    words = [f"composting{i}s" for i in range(300)] + ["running", "bins", "stories"] * 100
    expected = [stem.__wrapped__(w, "en") for w in words]
    results: list[list[str]] = []

    def work() -> None:
        results.append([stem.__wrapped__(w, "en") for w in words])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 4


def test_the_matcher_counts_every_form_of_each_term_and_the_whole_phrase():
    kw = make_keyword("Compost Bins")
    text = "composting at home needs a compost bin. two compost-bins, composted leaves; the bins, compost. bin"
    assert kw.terms == ("compost", "bin")
    assert term_counts(text, kw) == {"compost": 5, "bin": 4}
    # "compost bin", "compost-bins"; not "compost. bin" (a sentence ends between them).
    assert phrase_count(text, kw) == 2
    assert terms_in("How to Start Composting at Home", kw) == ["compost"]


def test_a_phrase_may_have_stop_words_between_its_terms():
    kw = make_keyword("compost home")
    assert phrase_count("start to compost at your home today", kw) == 1
    assert phrase_count("compost and then all of the other stuff at home", kw) == 0


def test_the_keyword_is_stemmed_in_the_language_the_page_declares():
    html = page(article=article_html("<p>Os sapatos de corrida duram mais quando alternados.</p>")).replace(
        '<html lang="en">', '<html lang="pt">'
    )
    report = analyze(html, "https://runblog.co.uk/shoes/", keyword="sapato")
    counts = next(e for e in report.factor("relevance").evidence if e.startswith("in main text"))
    assert "sapato ×1" in counts  # "sapatos" in Portuguese
    # Content-Language serves when <html lang> says nothing.
    html = page(article=article_html("<p>I giardini sono belli.</p>")).replace('<html lang="en">', "<html>")
    ctx = PageContext(final_url="https://runblog.co.uk/shoes/", status=200, headers={"Content-Language": "it"})
    report = analyze(html, "https://runblog.co.uk/shoes/", keyword="giardino", context=ctx)
    counts = next(e for e in report.factor("relevance").evidence if e.startswith("in main text"))
    assert "giardino ×1" in counts


ITALIAN = (
    "Il compostaggio domestico è un modo semplice per ridurre i rifiuti della cucina. Bastano un contenitore, "
    "un po' di pazienza e qualche accorgimento per ottenere un terriccio ricco e profumato. "
) * 12


def test_reading_ease_uses_the_formula_of_the_language_and_names_it():
    fig = figures(ITALIAN, language="it")
    assert fig.formula == "Flesch-Vacca (Italian Flesch)"
    assert fig.flesch is not None and 0 < fig.flesch < 120
    english = figures(" ".join(["The cat sat on the mat and looked at the dog."] * 10))
    assert english.formula == ENGLISH_FORMULA
    # No formula for Portuguese: no figure rather than English's.
    portuguese = figures(" ".join(["Os sapatos de corrida duram mais quando alternados."] * 10), language="pt")
    assert portuguese.flesch is None and portuguese.formula is None


def test_reading_ease_of_a_long_text_is_read_from_its_first_sentences():
    short = figures(ITALIAN, language="it")
    long = figures(ITALIAN * 20, language="it")
    assert long.word_count == 20 * short.word_count
    assert long.flesch == pytest.approx(short.flesch, abs=1)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["compost", "composting", "bins", "bin", "the", "at", "home", ".", ",", "-", "Compost", "BINS"]), max_size=30),
    st.sampled_from(["compost bins", "compost", "compost home", "bins compost"]),
)
def test_the_whole_phrase_never_counts_more_than_its_rarest_term(words, keyword):
    text = " ".join(words).lower()
    kw = make_keyword(keyword)
    counts = term_counts(text, kw)
    assert phrase_count(text, kw) <= min(counts.values())
    # Every count agrees with counting stems word by word.
    stems = [stem(w) for w in re.findall(r"[^\W\d_]{2,}", text)]
    assert counts == {t: stems.count(t) for t in kw.terms}
