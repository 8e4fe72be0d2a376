"""Reading exports, change notes, the profile summary and the disavow draft: pure rules."""

from __future__ import annotations

import io

import pytest

from bot.analysis.report import Link
from bot.audit.artifacts import disavow_domains, disavow_draft, rows_csv
from bot.audit.inputs import ExportError, SourceRow, infer_target, iter_sources, rel_label, scan_export
from bot.audit.rows import EXACT_MATCH_THRESHOLD, AuditRow, Summary, change_notes


def read(data: bytes) -> tuple[list[SourceRow], object]:
    raw = io.BytesIO(data)
    scan = scan_export(raw)
    return list(iter_sources(raw, scan.layout)), scan


def test_ahrefs_utf16_tabs_with_the_rel_and_anchor_columns():
    text = ("Referring page title\tReferring page URL\tTarget URL\tAnchor\tType\tNofollow\tUGC\tSponsored\r\n"
            "T\thttps://a.example/x\thttps://www.shop.example/p\tBuy Shoes\ttext\tfalse\tfalse\ttrue\r\n"
            "T\thttps://b.example/y\thttps://shop.example/\t\timage\tTRUE\tfalse\tfalse\r\n")
    rows, scan = read(text.encode("utf-16"))
    assert [r.source_url for r in rows] == ["https://a.example/x", "https://b.example/y"]
    assert rows[0].export_rel == "sponsored" and rows[1].export_rel == "nofollow"
    assert rows[0].export_anchor == "Buy Shoes" and rows[1].export_anchor == ""
    assert infer_target(scan, None) == "shop.example"  # www. and the bare domain are one site


@pytest.mark.parametrize("header", ["Source url", "SOURCE_URL", " source  url ", "SourceURL", "Linking page", "url"])
def test_source_column_by_header_case_and_spacing_ignored(header):
    rows, _ = read(f"Other;{header}\n1;https://a.example/\n".encode("utf-8-sig"))
    assert [r.source_url for r in rows] == ["https://a.example/"]


def test_a_source_listed_twice_is_audited_once_and_its_first_row_counts():
    data = (b"SourceURL,TargetURL,AnchorText,FlagNoFollow\n"
            b"https://a.example/p,https://t.example/,first,-\n"
            b"https://A.EXAMPLE/p,https://t.example/,second,+\n"
            b"https://b.example/,https://t.example/,third,+\n")
    rows, scan = read(data)
    assert [(r.index, r.export_anchor, r.export_rel) for r in rows] == [(0, "first", "dofollow"), (1, "third", "nofollow")]
    assert scan.unique_sources == 2


def test_url_list_skips_blank_and_comment_lines():
    rows, scan = read(b"https://a.example/\n\n# a note\nhttps://b.example/\r\n")
    assert [r.source_url for r in rows] == ["https://a.example/", "https://b.example/"]
    assert scan.layout.delimiter is None and rows[0].export_rel is None
    with pytest.raises(ExportError, match="--target"):
        infer_target(scan, None)


def test_bad_exports_are_refused_with_a_reason():
    with pytest.raises(ExportError, match="no source-URL column"):
        read(b"Title,Anchor\nx,y\n")
    with pytest.raises(ExportError, match="empty"):
        read(b"")
    _, scan = read(b"SourceURL,TargetURL\nhttps://a.example/,https://one.example/\nhttps://b.example/,https://two.example/\n")
    with pytest.raises(ExportError, match="several domains"):
        infer_target(scan, None)
    assert infer_target(scan, " mine.example ") == "mine.example"


def link(rel: tuple[str, ...] = (), anchor: str = "Buy Shoes", placement: str = "content") -> Link:
    return Link("https://t.example/", anchor, "descriptive", rel, placement, False, False)


def test_change_notes():
    source = SourceRow(0, "https://a.example/", export_rel="dofollow", export_anchor="buy  SHOES")
    assert change_notes(source, found=link(), analysed=True, status=200) == ()
    assert change_notes(source, found=link(("nofollow", "sponsored")), analysed=True, status=200) == (
        "was dofollow, now sponsored",)
    assert change_notes(source, found=link(anchor="Shoe shop"), analysed=True, status=200) == ("anchor changed",)
    assert change_notes(source, found=None, analysed=True, status=200) == ("link lost",)
    assert change_notes(source, found=None, analysed=False, status=410) == ("link lost",)
    assert change_notes(source, found=None, analysed=False, status=500) == ()  # may come back
    bare = SourceRow(0, "https://a.example/")  # no rel or anchor column: nothing to compare
    assert change_notes(bare, found=link(("ugc",), anchor="x"), analysed=True, status=200) == ()
    assert rel_label(("nofollow", "ugc")) == "ugc" and rel_label(()) == "dofollow"


def analysed(index: int, anchor_class: str, rel: str = "dofollow", risk: str = "low", flags=(), url=None) -> AuditRow:
    return AuditRow(index=index, source_url=url or f"https://s{index}.example/", outcome="analysed",
                    target_found="yes", anchor_class=anchor_class, rel=rel, placement="content",
                    risk_level=risk, risk_score=80 if risk == "high" else 10, flags=tuple(flags))


def test_summary_and_the_exact_match_threshold():
    rows = [analysed(i, "exact_match" if i == 0 else "branded") for i in range(10)]
    summary = Summary().add_all(rows)
    assert summary.exact_match_share == EXACT_MATCH_THRESHOLD and not summary.over_optimised  # over, not at
    rows.append(analysed(10, "exact_match", rel="nofollow sponsored"))
    rows.append(AuditRow(index=11, source_url="https://x.example/", outcome="http_error", http_status=404,
                         notes=("link lost",), error="HTTP 404"))
    s = Summary().add_all(rows).to_dict(keyword_given=True)
    assert s["pages"] == 12 and s["analysed"] == 11 and s["failed"] == 1 and s["lost"] == 1
    assert s["rel"] == {"dofollow": 10, "nofollow": 1, "sponsored": 1}
    assert s["profile"]["over_optimised"] is True
    assert Summary().add_all(rows).to_dict(keyword_given=False)["profile"]["over_optimised"] is False


def test_disavow_draft_lists_high_risk_domains_never_the_target():
    rows = [analysed(0, "branded", risk="high", url="https://spam.example/a"),
            analysed(1, "branded", risk="high", url="https://blog.shop.example/b"),
            analysed(2, "branded", risk="low", url="https://fine.example/")]
    assert disavow_domains(rows, "https://www.shop.example/p") == ["spam.example"]
    text = disavow_draft(["spam.example"], target="shop.example", audit_id=3, now=0).decode()
    assert text.startswith("# DRAFT") and text.rstrip().endswith("domain:spam.example")


def test_discord_csv_guards_formula_cells():
    row = analysed(0, "branded")
    hostile = AuditRow(**{**row.__dict__, "anchor_text": "=HYPERLINK(\"http://x\")"})
    assert b"'=HYPERLINK" in rows_csv([hostile])
