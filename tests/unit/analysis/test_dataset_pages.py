"""analyze() over the 111 real pages of the shared dataset (skipped when it is absent)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from bot.analysis import analyze

from .test_report import assert_contract

# The nearest shared/ among the repository's ancestors: a git worktree sits a level deeper.
DATASET = next(
    (up / "shared" / "datasets" / "article-bodies" for up in Path(__file__).resolve().parents[3].parents
     if (up / "shared" / "datasets" / "article-bodies" / "ground-truth.json").is_file()),
    Path(__file__).resolve().parents[3].parent / "shared" / "datasets" / "article-bodies",
)
pytestmark = pytest.mark.skipif(not (DATASET / "ground-truth.json").is_file(), reason="shared dataset not present")

TARGET_URL = "https://acme-shoes.example/guide"


def pages():
    truth = json.loads((DATASET / "ground-truth.json").read_text(encoding="utf-8"))
    for pid in sorted(truth):
        with gzip.open(DATASET / "html" / f"{pid}.html.gz", "rt", encoding="utf-8", errors="replace") as f:
            yield pid, truth[pid]["url"], f.read(), truth[pid]["articleBody"]


def test_every_page_analyses_and_keeps_the_contract():
    count = 0
    for pid, url, html, _ in pages():
        report = analyze(html, url, target="example.com", keyword="news")
        d = report.to_dict()
        assert_contract(d)
        assert d["url"] == url, pid
        assert report.content.word_count > 0, pid
        assert report.links, pid
        count += 1
    assert count == 111


def _inject_into_article_paragraph(html: str, body: str) -> str | None:
    """Append a link to the first long <p> whose text is part of the labelled article body."""
    flat_body = " ".join(body.split())
    for p in LexborHTMLParser(html).css("p"):
        text = " ".join(p.text(separator=" ").split())
        raw = p.html or ""
        if len(text) > 150 and text[:120] in flat_body and raw.endswith("</p>") and raw in html:
            link = f' Compare <a href="{TARGET_URL}">a detailed review of the options</a> too.</p>'
            return html.replace(raw, raw[:-4] + link, 1)
    return None


def test_injected_link_inside_a_real_article_is_content_and_low_risk():
    injected = 0
    for pid, url, html, body in pages():
        page = _inject_into_article_paragraph(html, body)
        if page is None:
            continue
        report = analyze(page, url, target=TARGET_URL)
        assert len(report.target_links) == 1, pid
        link = report.target_links[0]
        assert link.placement == "content", pid
        assert not link.hidden and not link.internal, pid
        assert link.anchor_class == "descriptive", pid
        assert report.factor("placement").verdict == "good", pid
        assert report.factor("link_type").verdict == "good", pid
        assert report.factor("rel").verdict == "good", pid
        assert report.risk.level != "high", (pid, report.risk)
        injected += 1
        if injected >= 25:
            break
    assert injected >= 25


def test_reference_article_with_injected_link_is_low_risk():
    # A long opinion piece on US elections (no canonical elsewhere, no footprints): the clean case of
    # a topical, in-content, descriptive dofollow link.
    wanted = "04a6711caa7c687592777718866e781e976e0fe684faebe8b3cedcef8cd0ea34"
    for pid, url, html, body in pages():
        if pid != wanted:
            continue
        page = _inject_into_article_paragraph(html, body)
        assert page is not None
        report = analyze(page, url, target=TARGET_URL, keyword="elections")
        assert report.target_links[0].placement == "content"
        assert report.risk.level == "low", (report.risk, [(f.id, f.verdict, f.score) for f in report.factors])
        return
    pytest.fail("reference page missing from the dataset")


def test_in_content_links_score_at_least_090_on_each_half_of_the_pages():
    # The README's in-content link metric, pooled per half (first hex digit of the id 0-7 / 8-f):
    # the placement rules were tuned on one half and must hold on the other.
    from bot.analysis.content_metric import LinkCounts, labelled_links, normalise_href, paired_predicts

    halves = {"0-7": LinkCounts(), "8-f": LinkCounts()}
    for pid, url, html, body in pages():
        labels = labelled_links(html, url, body)
        placed = [
            (href, link.anchor_text, link.placement == "content")
            for link in analyze(html, url).links
            if (href := normalise_href(link.href, url)) is not None
        ]
        halves["0-7" if pid[0] in "01234567" else "8-f"].add(labels, paired_predicts(labels, placed))
    for half, counts in halves.items():
        precision, recall, f1 = counts.scores()
        assert f1 >= 0.90, (half, precision, recall, f1)
