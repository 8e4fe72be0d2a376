from __future__ import annotations

from bot.review.factors import FACTOR_IDS, Choice
from bot.review.rules import ReviewRules
from bot.review.verdict import NO_CONSENSUS, BotReportSummary, Verdict, compute_verdict, factor_answer
from bot.review.votes import Tally

G, U, B = Choice.GOOD, Choice.UNSURE, Choice.BAD
RULES = ReviewRules(min_votes=3)


def tally(**per_factor: tuple[int, int, int]) -> Tally:
    rows = []
    for factor_id, (good, unsure, bad) in per_factor.items():
        rows += [(factor_id, "good", good), (factor_id, "unsure", unsure), (factor_id, "bad", bad)]
    return Tally.from_rows(1, rows)


def test_factor_answer_quorum_plurality_and_ties() -> None:
    assert factor_answer({G: 2, U: 0, B: 0}, 3) == (NO_CONSENSUS, "2 of 3 votes needed")
    assert factor_answer({G: 3, U: 0, B: 0}, 3) == ("good", None)
    assert factor_answer({G: 2, U: 1, B: 2}, 3) == (NO_CONSENSUS, "tie between good and bad")
    assert factor_answer({G: 1, U: 1, B: 1}, 3) == (NO_CONSENSUS, "tie between good and unsure and bad")
    # Plurality, not absolute majority: 2 of 5 is enough when ahead of the rest.
    assert factor_answer({G: 1, U: 2, B: 1}, 3) == ("unsure", None)
    assert factor_answer({G: 0, U: 0, B: 3}, 3) == ("bad", None)


def test_no_votes_means_no_consensus_everywhere() -> None:
    v = compute_verdict(tally(), None, RULES)
    assert v.community_risk == NO_CONSENSUS and v.community_score is None
    assert [o.factor for o in v.factors] == list(FACTOR_IDS)
    assert all(o.answer == NO_CONSENSUS for o in v.factors)
    assert v.disagreements == ()


def test_all_good_is_low_risk() -> None:
    v = compute_verdict(tally(**{f: (3, 0, 0) for f in FACTOR_IDS}), None, RULES)
    assert v.community_risk == "low" and v.community_score == 0


def test_overall_weighs_twice() -> None:
    # overall unsure (1 point ×2) + relevance good (0) → 2/3 = 0.67 → medium.
    v = compute_verdict(tally(overall=(0, 3, 0), relevance=(3, 0, 0)), None, RULES)
    assert v.community_score == round(2 / 3, 4) and v.community_risk == "medium"
    # relevance unsure + placement unsure + three good factors + overall good: 2/7 → low.
    v = compute_verdict(
        tally(overall=(3, 0, 0), relevance=(0, 3, 0), placement=(0, 3, 0), anchor_text=(3, 0, 0),
              content_quality=(3, 0, 0), outbound_links=(3, 0, 0)),
        None,
        RULES,
    )
    assert v.community_score == round(2 / 7, 4) and v.community_risk == "low"


def test_floors_one_bad_sign_is_not_averaged_away() -> None:
    goods = {f: (4, 0, 0) for f in FACTOR_IDS}
    v = compute_verdict(tally(**{**goods, "outbound_links": (0, 1, 3)}), None, RULES)
    assert v.community_score < 0.5 and v.community_risk == "medium"
    v = compute_verdict(tally(**{**goods, "overall": (0, 0, 3)}), None, RULES)
    assert v.community_risk == "high"
    v = compute_verdict(tally(**{**goods, "overall": (0, 3, 0)}), None, RULES)
    assert v.community_risk == "medium"


def test_many_bad_factors_make_high_risk_even_without_overall() -> None:
    v = compute_verdict(tally(relevance=(0, 0, 3), placement=(0, 0, 3), anchor_text=(1, 0, 3)), None, RULES)
    assert v.factor("overall").answer == NO_CONSENSUS
    assert v.community_risk == "high"


def test_disagreements_with_the_bot() -> None:
    bot = BotReportSummary(
        factor_verdicts={"relevance": "good", "placement": "caution", "anchor_text": "bad", "outbound_links": "unknown"},
        risk_level="low",
    )
    v = compute_verdict(
        tally(relevance=(0, 0, 3), placement=(0, 3, 0), anchor_text=(0, 3, 0), outbound_links=(0, 0, 3),
              overall=(0, 0, 3)),
        bot,
        RULES,
    )
    found = {(d.factor, d.community, d.bot, d.strong) for d in v.disagreements}
    assert found == {
        ("relevance", "bad", "good", True),
        ("anchor_text", "unsure", "bad", False),
        ("overall", "bad", "good", True),  # overall is compared with the bot's risk level (low ~ good)
        ("combined_risk", "high", "low", True),
    }
    assert v.factor("overall").bot == "good" and v.factor("relevance").bot == "good"
    assert v.bot_risk == "low"


def test_verdict_json_round_trip() -> None:
    bot = BotReportSummary({"relevance": "bad"}, "high")
    v = compute_verdict(tally(relevance=(3, 1, 0), overall=(2, 2, 0)), bot, ReviewRules(min_votes=4))
    again = Verdict.from_json(v.to_json())
    assert again == v
    assert again.min_votes == 4 and again.factor("overall").reason == "tie between good and unsure"


def test_summary_from_an_analysis_report_and_history_reads_the_json() -> None:
    from bot.analysis.report import Factor, Risk
    from bot.history.verdicts import factor_answers
    from bot.review.verdict import summary_from_report

    class FakeReport:  # only the two fields the summary reads
        factors = (Factor("relevance", "bad", 10), Factor("placement", "good", 90))
        risk = Risk("high", 80)

    summary = summary_from_report(FakeReport())
    assert summary == BotReportSummary({"relevance": "bad", "placement": "good"}, "high")
    v = compute_verdict(tally(relevance=(3, 0, 0), overall=(0, 0, 3)), summary, RULES)
    assert ("relevance", "good", "bad", True) in {(d.factor, d.community, d.bot, d.strong) for d in v.disagreements}
    # The history package reads the per-factor answers back out of verdict_json.
    answers = factor_answers(v.to_json())
    assert answers["relevance"] == "good" and answers["overall"] == "bad" and answers["placement"] == NO_CONSENSUS
