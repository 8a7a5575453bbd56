"""The ONNX Runtime embedder: the same vectors as sentence-transformers, from an export made here."""

import json

import numpy as np
import pytest

from knowledge.onnx_embedder import MANIFEST, OnnxEmbedder, OnnxExportError, _pooling, export_dir

TEXTS = ["对信访处理意见不服怎么办", "老板拖欠工资三个月", "宅基地被邻居占了怎么办", "x"]


@pytest.fixture(scope="module")
def model_name():
    from pathlib import Path

    from common.settings import get_settings

    settings = get_settings()
    if settings.uses_default_model and not Path(settings.EMBEDDING_MODEL).exists():
        pytest.skip("default model not converted (make install converts it)")
    return settings.EMBEDDING_MODEL


@pytest.fixture(scope="module")
def torch_fp32(model_name):
    from knowledge.embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(model_name)


@pytest.mark.integration
def test_fp32_export_gives_the_same_vectors_as_sentence_transformers(model_name, torch_fp32, tmp_path):
    onnx = OnnxEmbedder(model_name, tmp_path, quantize="none", threads=1)
    for kind in ("queries", "passages"):
        a = getattr(torch_fp32, f"embed_{kind}")(TEXTS)
        b = getattr(onnx, f"embed_{kind}")(TEXTS)
        assert b.shape == a.shape and b.dtype == np.float32
        assert (a * b).sum(axis=1).min() > 0.9999
    single = onnx.embed_queries([TEXTS[0]])[0]
    assert float(np.dot(single, torch_fp32.embed_queries([TEXTS[0]])[0])) > 0.9999
    manifest = json.loads((onnx.dir / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["pooling"] == "mean" and manifest["normalize"] is True and manifest["quantize"] == "none"


@pytest.mark.integration
def test_int8_serving_model_stays_close_to_fp32_with_its_own_id(model_name, torch_fp32):
    from common.settings import get_settings

    int8 = OnnxEmbedder(model_name, get_settings().ONNX_DIR, quantize="int8", threads=1)
    assert int8.model_id.endswith("+onnx-int8") and int8.model_id != torch_fp32.model_id
    cos = (torch_fp32.embed_passages(TEXTS) * int8.embed_passages(TEXTS)).sum(axis=1)
    assert cos.min() > 0.97
    int8.clear_query_cache()
    fast, batch = int8.embed_queries([TEXTS[1]])[0], int8.embed_queries([TEXTS[1], "占位"])[0]
    assert float(np.dot(fast, batch)) > 0.98   # activations are quantized per run, padding shifts them a little


def test_an_export_of_another_model_version_is_stale(tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}", encoding="utf-8")
    emb = OnnxEmbedder(str(model), tmp_path / "onnx")
    assert emb.dir == export_dir(tmp_path / "onnx", str(model), "int8")
    emb.dir.mkdir(parents=True)
    (emb.dir / "model.int8.onnx").write_bytes(b"x")
    (emb.dir / MANIFEST).write_text(json.dumps({"version": 1, "source": "model@0000", "file": "model.int8.onnx"}))
    assert not emb._fresh()
    from knowledge.embedder import model_fingerprint

    (emb.dir / MANIFEST).write_text(json.dumps({"version": 1, "source": model_fingerprint(str(model)),
                                                "file": "model.int8.onnx"}))
    assert emb._fresh()
    (model / "config.json").write_text('{"changed": true}', encoding="utf-8")   # the model folder changed
    assert not OnnxEmbedder(str(model), tmp_path / "onnx")._fresh()


def _module(kind, config=None):
    cls = type(kind, (), {"get_config_dict": lambda self: config or {}})
    return cls()


@pytest.mark.parametrize("modules,expected", [
    ([_module("Transformer"), _module("Pooling", {"pooling_mode": "mean"}), _module("Normalize")], ("mean", True)),
    ([_module("Transformer"), _module("Pooling", {"pooling_mode_cls_token": True})], ("cls", False)),
])
def test_supported_model_shapes(modules, expected):
    assert _pooling(modules) == expected


@pytest.mark.parametrize("modules", [
    [_module("Transformer"), _module("Pooling", {"pooling_mode": "max"})],
    [_module("Transformer"), _module("Pooling", {"pooling_mode": "mean"}), _module("Dense")],
    [_module("Transformer"), _module("Pooling", {"pooling_mode": "mean", "include_prompt": False})],
    [_module("CLIPModel")],
])
def test_other_model_shapes_are_refused_with_the_way_out(modules):
    with pytest.raises(OnnxExportError, match="EMBEDDING_BACKEND=torch"):
        _pooling(modules)
