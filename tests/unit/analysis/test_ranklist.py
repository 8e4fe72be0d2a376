from bot.analysis import PageContext, RankList, analyze

from .pages import page


def test_load_and_lookup_by_host_or_registrable_domain(tmp_path):
    csv = tmp_path / "tranco.csv"
    csv.write_text("1,google.com\n2,example.co.uk\n\nnot,a row\n150000,runblog.co.uk\n3,blog.tumblr.example\n2,google.com\n", encoding="utf-8")
    ranks = RankList.load(csv)
    assert len(ranks) == 4
    assert ranks.rank("www.google.com") == 1
    assert ranks.rank("blog.example.co.uk") == 2
    assert ranks.rank("blog.tumblr.example") == 3
    assert ranks.rank("unknown.org") is None
    assert ranks.rank("") is None


def test_traffic_factor_uses_rank_list(tmp_path):
    csv = tmp_path / "ranks.csv"
    csv.write_text("10,bigsite.com\n500000,runblog.co.uk\n", encoding="utf-8")
    ranks = RankList.load(csv)
    top = analyze(page(), "https://www.bigsite.com/a", context=PageContext(final_url="https://www.bigsite.com/a", rank_list=ranks))
    assert top.factor("traffic").verdict == "good"
    assert "#10" in top.factor("traffic").evidence[0]
    listed = analyze(page(), "https://runblog.co.uk/a", context=PageContext(rank_list=ranks))
    assert listed.factor("traffic").verdict == "good"
    missing = analyze(page(), "https://tiny.example/a", context=PageContext(rank_list=ranks))
    assert missing.factor("traffic").verdict == "caution"
    assert "not among" in missing.factor("traffic").evidence[0]
