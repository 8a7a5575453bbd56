import pytest

from knowledge import crisis
from knowledge.errors import SourceError


def test_every_crisis_example_file_is_read(monkeypatch):
    from knowledge.corpus import SOURCES_DIR

    assert {p.name for p in SOURCES_DIR.glob("crisis_examples*.yaml")} == set(crisis.CRISIS_EXAMPLE_FILES)
    explicit, near = crisis.load_crisis_examples()
    for name in crisis.CRISIS_EXAMPLE_FILES:   # each file's phrasings and near-misses are among those read
        monkeypatch.setattr(crisis, "CRISIS_EXAMPLE_FILES", (name,))
        one_explicit, one_near = crisis.load_crisis_examples()
        assert one_explicit and one_near and set(one_explicit) <= set(explicit) and set(one_near) <= set(near)


@pytest.mark.parametrize("text,line", [
    ("explicit:\n  - text: 不想活了\n    kind: sadness\n", 2),       # no such kind
    ("explicit: []\nnear_miss:\n  - note: 没有文字\n", 3),
])
def test_a_broken_crisis_example_is_refused_with_its_line(tmp_path, monkeypatch, text, line):
    (tmp_path / "broken.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(crisis, "CRISIS_EXAMPLE_FILES", ("broken.yaml",))
    with pytest.raises(SourceError) as err:
        crisis.load_crisis_examples(tmp_path)
    assert err.value.line == line
