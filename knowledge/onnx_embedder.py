"""The same sentence-transformers model, run by ONNX Runtime (the serving default on CPU).

Why: on this 2-core machine the action server's CPU goes mostly to embedding the
citizen's text (about 13 ms a query with torch's dynamic int8 layers), and it shares
its core with the API while Rasa holds the other. ONNX Runtime runs the same weights,
int8-quantized the same way (dynamic, per tensor), in about half that time, and the
serving process then needs neither torch nor transformers.

``export()`` converts a local sentence-transformers folder or model name once
(torch's exporter, then ``onnxruntime.quantization.quantize_dynamic``) into
``<dir>/model.onnx`` (or ``model.int8.onnx``), ``tokenizer.json`` and a manifest
``xinfang_onnx.json`` naming the pooling, the prompts and the maximum length.
Supported: a Transformer module, mean or CLS pooling, an optional Normalize — the
shape of e5, bge, MiniLM and most retrieval models. Anything else is refused with a
message pointing at ``EMBEDDING_BACKEND=torch``.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .embedder import QueryCache, check_quantize, embed_by_length, model_fingerprint

logger = logging.getLogger(__name__)

MANIFEST = "xinfang_onnx.json"
EXPORT_VERSION = 1
Progress = Callable[[str], None]


class OnnxExportError(Exception):
    """The model cannot be exported by this exporter: the message says what to do instead."""


def onnx_file(quantize: str) -> str:
    return "model.int8.onnx" if quantize == "int8" else "model.onnx"


def export_dir(base: Path, model: str, quantize: str, fingerprint: str | None = None) -> Path:
    """Where the export of this exact model (content fingerprint) and quantization lives."""
    safe = (fingerprint or model_fingerprint(model)).replace("/", "_").replace("@", "-")
    return Path(base) / f"{safe}+{quantize}"


def _pooling(st_model) -> tuple[str, bool]:
    """(``mean``|``cls``, normalize) from the model's modules, or OnnxExportError."""
    names = [type(m).__name__ for m in st_model]
    if not names or names[0] != "Transformer" or len(names) > 3:
        raise OnnxExportError(f"不支持的模型结构 {names}：ONNX 导出只支持 Transformer + Pooling (+ Normalize)；"
                              "请设置 EMBEDDING_BACKEND=torch")
    mode, normalize = "cls", False
    for module in list(st_model)[1:]:
        kind = type(module).__name__
        if kind == "Pooling":
            cfg = module.get_config_dict()
            if not cfg.get("include_prompt", True):
                raise OnnxExportError("池化不含提示词（include_prompt=false）的模型请设置 EMBEDDING_BACKEND=torch")
            # sentence-transformers ≥ 6 says ``pooling_mode``; older versions one flag per mode
            named = cfg.get("pooling_mode")
            if named in ("mean", "cls"):
                mode = named
            elif cfg.get("pooling_mode_mean_tokens"):
                mode = "mean"
            elif not cfg.get("pooling_mode_cls_token"):
                raise OnnxExportError(f"不支持的池化方式 {cfg}：请设置 EMBEDDING_BACKEND=torch")
        elif kind == "Normalize":
            normalize = True
        else:
            raise OnnxExportError(f"不支持的模块 {kind}：请设置 EMBEDDING_BACKEND=torch")
    return mode, normalize


def export(model: str, out: Path, quantize: str = "int8", progress: Progress | None = None) -> Path:
    """Exports ``model`` into ``out`` (written to a temporary folder first, then renamed); returns ``out``."""
    import torch
    from sentence_transformers import SentenceTransformer

    say = progress or (lambda _m: None)
    check_quantize(quantize)
    out = Path(out)
    say(f"导出 ONNX 模型（{model} → {out.name}），约半分钟")
    st = SentenceTransformer(model, device="cpu")
    pooling, normalize = _pooling(st)
    transformer = st[0]
    hf_model = transformer.auto_model.eval()
    tokenizer = transformer.tokenizer
    if not getattr(tokenizer, "is_fast", False):
        raise OnnxExportError("模型没有 fast tokenizer（tokenizer.json）：请设置 EMBEDDING_BACKEND=torch")

    class _Encoder(torch.nn.Module):
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".onnx-", dir=out.parent))
    try:
        sample = tokenizer(["query: 公司拖欠我三个月工资"], return_tensors="pt")
        axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                "last_hidden_state": {0: "batch", 1: "tokens"}}
        fp32 = tmp / "model.onnx"
        with torch.inference_mode():
            torch.onnx.export(_Encoder(hf_model), (sample["input_ids"], sample["attention_mask"]), str(fp32),
                              input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                              dynamic_axes=axes, opset_version=17, dynamo=False)
        if quantize == "int8":
            from onnxruntime.quantization import QuantType, quantize_dynamic

            say("int8 动态量化（与 torch 的 int8 相同：权重按张量量化，激活运行时量化）")
            quantize_dynamic(str(fp32), str(tmp / onnx_file("int8")), weight_type=QuantType.QInt8)
            fp32.unlink()
        tokenizer.backend_tokenizer.save(str(tmp / "tokenizer.json"))
        manifest = {
            "version": EXPORT_VERSION, "source": model_fingerprint(model), "quantize": quantize,
            "file": onnx_file(quantize), "pooling": pooling, "normalize": normalize,
            "max_seq_length": int(st.max_seq_length or tokenizer.model_max_length),
            "pad_id": int(tokenizer.pad_token_id or 0), "prompts": dict(st.prompts or {}),
            "dim": int(hf_model.config.hidden_size),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        tmp.chmod(0o755)
        tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    say(f"ONNX 模型就绪：{out}")
    return out


_LOCK = threading.Lock()


class OnnxEmbedder(QueryCache):
    """Embeds with an export made by ``export()``; exports first if it is missing or stale.

    ``threads`` is ONNX Runtime's intra-op thread count (serving: 1, it shares a core).
    """

    def __init__(self, model: str, export_base: Path, quantize: str = "int8", max_seq_length: int = 256,
                 threads: int | None = None, progress: Progress | None = None) -> None:
        check_quantize(quantize)
        self.model_name, self.quantize, self.threads = model, quantize, threads
        self.max_seq_length = max_seq_length
        self.fingerprint = model_fingerprint(model)   # the model folder's content, read once
        self.dir = export_dir(export_base, model, quantize, self.fingerprint)
        self.progress = progress
        self._session = None
        self._tokenizer = None
        self._manifest: dict = {}   # filled by _load()

    @property
    def model_id(self) -> str:
        return f"{self.fingerprint}+onnx-{self.quantize}"

    def _manifest_if_fresh(self) -> dict | None:
        """The export's manifest when it is an export of this model by this exporter, else None."""
        try:
            m = json.loads((self.dir / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        fresh = (m.get("version") == EXPORT_VERSION and m.get("source") == self.fingerprint
                 and (self.dir / m.get("file", "")).is_file())
        return m if fresh else None

    def _fresh(self) -> bool:
        return self._manifest_if_fresh() is not None

    def _load(self):
        if self._session is not None:
            return self._session
        with _LOCK:
            if self._session is None:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                m = self._manifest_if_fresh()
                if m is None:
                    export(self.model_name, self.dir, self.quantize, self.progress)
                    m = json.loads((self.dir / MANIFEST).read_text(encoding="utf-8"))
                tok = Tokenizer.from_file(str(self.dir / "tokenizer.json"))
                tok.enable_truncation(min(self.max_seq_length, m["max_seq_length"]))
                tok.enable_padding(pad_id=m["pad_id"])
                opts = ort.SessionOptions()
                opts.intra_op_num_threads = self.threads or 0
                opts.inter_op_num_threads = 1
                opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                logger.info("embedder.load", extra={"model": self.model_name, "backend": "onnx"})
                session = ort.InferenceSession(str(self.dir / m["file"]), opts, providers=["CPUExecutionProvider"])
                self._manifest, self._tokenizer, self._session = m, tok, session
        return self._session

    def warm_up(self) -> None:
        self.embed_queries(["预热"])

    @property
    def dim(self) -> int:
        self._load()
        return int(self._manifest["dim"])

    def _embed_many(self, texts: list[str], prompt: str) -> np.ndarray:
        session = self._load()
        prefix = self._manifest["prompts"].get(prompt, "")
        assert self._tokenizer is not None   # loaded with the session
        encs = self._tokenizer.encode_batch([prefix + t for t in texts])
        ids = np.array([e.ids for e in encs], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        if self._manifest["pooling"] == "mean":
            weights = mask[:, :, None].astype(np.float32)
            vecs = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        else:
            vecs = hidden[:, 0]
        vecs = vecs.astype(np.float32)
        if self._manifest["normalize"]:
            vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        return vecs

    def _embed_one(self, text: str, prompt: str) -> np.ndarray:
        return self._embed_many([text], prompt)[0]

    def embed_passages(self, texts: list[str], progress=None) -> np.ndarray:
        return embed_by_length(texts, self.dim, 32, lambda chunk: self._embed_many(chunk, "passage"), progress)
