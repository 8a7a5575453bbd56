import json

import pytest

from bot.cli import EXIT_USAGE, main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_deadline_is_printed_for_scripts_with_the_contract_keys(capsys):
    code, out, _ = run(capsys, "deadline", "civil_appeal_judgment", "2026-09-16", "--today", "2026-09-20", "--json")
    result = json.loads(out)
    assert code == 0
    assert {"kind", "start", "last_day", "days_left", "rule", "basis", "calendar"} <= set(result)
    # 15 days end on 国庆节 (10-01): moved to the first working day after the holidays
    assert result["last_day"] == "2026-10-08" and result["days_left"] == 18 and result["moved"]
    assert result["basis"] == "qijian_jisuan_minfadian_minsufa#171" and "国庆节" in result["rule"]
    assert result["calendar"]["source"].startswith("holidays") and result["calendar"]["estimated"] is False


def test_the_kinds_are_listed_with_the_contract_ids(capsys):
    code, out, _ = run(capsys, "deadline", "--list", "--json")
    kinds = {row["kind"]: row for row in json.loads(out)}
    assert code == 0
    contract = {"xinfang_review", "xinfang_recheck", "admin_reconsideration", "admin_litigation",
                "admin_litigation_after_review", "labor_arbitration", "labor_award_suit", "work_injury",
                "civil_appeal_judgment", "civil_appeal_ruling", "civil_limitation"}   # ../shared/spec/deadlines.md
    assert contract <= set(kinds) and all(kinds[k]["computed"] for k in contract)
    assert kinds["xinfang_review"]["period"] == {"amount": 30, "unit": "day", "words": "30日"}


@pytest.mark.parametrize("argv,says", [
    (["deadline", "xinfang_review", "2026-13-01"], "YYYY-MM-DD"),
    (["deadline", "no_such_kind", "2026-10-01"], "没有这种期限"),
    (["deadline", "criminal_appeal", "2026-10-01"], "不能计算"),
    (["deadline", "xinfang_review"], "请给出期限种类和起算日期"),
])
def test_bad_input_gets_a_chinese_message_and_no_traceback(capsys, argv, says):
    code, out, err = run(capsys, *argv)
    assert code == EXIT_USAGE and says in err and "Traceback" not in err and not out
