from knowledge.channels import UNVERIFIED_NOTE, load_channels
from tests.paths import MINI


def test_grade_c_is_never_shown_as_verified_unless_confirmed():
    channels = load_channels(MINI / "channels.yaml")
    c = channels["hotline_12348"]
    assert c.grade == "C" and UNVERIFIED_NOTE in c.display()
    assert UNVERIFIED_NOTE not in c.display(confirmed=True)
    assert UNVERIFIED_NOTE not in channels["hotline_12345"].display()


def test_real_channels_keep_a_grade_and_source(real_kb):
    for ch in real_kb.channels.values():
        assert ch.grade in "ABC" and ch.source
    assert "hotline_12345" in real_kb.channels
