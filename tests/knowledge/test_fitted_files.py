from knowledge.fitted_files import keep


def test_a_fitted_file_replaces_those_of_other_fingerprints_only(tmp_path):
    (tmp_path / "reranker-old.json").write_text("{}", encoding="utf-8")
    (tmp_path / "route-model-abc.joblib").write_text("x", encoding="utf-8")   # another model's file
    keep(tmp_path / "reranker-new.json", lambda tmp: tmp.write_text('{"coef": []}', encoding="utf-8"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reranker-new.json", "route-model-abc.joblib"]
    assert (tmp_path / "reranker-new.json").read_text(encoding="utf-8") == '{"coef": []}'
