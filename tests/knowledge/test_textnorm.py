import pytest

from knowledge.errors import QueryError
from knowledge.textnorm import MAX_QUERY_CHARS, normalize_query

NORMALISED = [
    ("  老板拖欠工资   去哪里告 ", "老板拖欠工资 去哪里告"),
    ("ＡＢＣ１２３公司欠薪", "ABC123公司欠薪"),          # full-width → half-width
    ("對信訪處理意見不服怎麼辦", "对信访处理意见不服怎么办"),  # traditional → simplified
    ("欠薪\x00\x07怎么办\u200b", "欠薪 怎么办"),            # control and zero-width characters
    ("复查\t\n时限", "复查 时限"),
]


@pytest.mark.parametrize("raw,expected", NORMALISED)
def test_normalises(raw, expected):
    assert normalize_query(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "\n\t", "\x00\x01", "？？？！！", 123, None])
def test_unsearchable_input_is_a_clear_error(raw):
    with pytest.raises(QueryError) as err:
        normalize_query(raw)
    assert str(err.value)  # a message for a person


def test_too_long_is_refused_with_the_limit_in_the_message():
    with pytest.raises(QueryError, match=str(MAX_QUERY_CHARS)):
        normalize_query("欠" * (MAX_QUERY_CHARS + 1))
    assert normalize_query("欠" * MAX_QUERY_CHARS)
