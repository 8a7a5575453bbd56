"""Text embedders: the sentence-transformers model the product uses, and a fake for tests.

Models load lazily and once per (model, device); ``warm_up()`` is for start-up hooks.
e5-style models carry ``query: ``/``passage: `` prompts in their sentence-transformers
config; models without prompts (bge, MiniLM...) are used as they are.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)


@runtime_checkable
class Embedder(Protocol):
    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str], progress=None) -> np.ndarray: ...


_MODELS: dict[tuple[str, str, str], SentenceTransformer] = {}
QUANTIZE_MODES = ("none", "int8")


def check_quantize(quantize: str) -> str:
    """``quantize`` if it is one of QUANTIZE_MODES, else a ValueError naming them."""
    if quantize not in QUANTIZE_MODES:
        raise ValueError(f"quantize must be one of {', '.join(QUANTIZE_MODES)}, got {quantize!r}")
    return quantize


def _quantize_linear_int8(model) -> None:
    """Dynamic int8 quantization of every Linear layer, in place (CPU inference ≈ 2.5× faster).

    Weights become int8 per tensor, activations are quantized on the fly. The vectors move a
    little (cosine ≈ 0.97–0.99 to fp32); since queries and passages go through the same
    quantized model and the index records the model id with its ``+int8`` suffix, retrieval
    quality is what `xinfang eval retrieval` measures for this setting.
    """
    import warnings

    import torch

    with warnings.catch_warnings():
        # torch.ao.quantization is deprecated in favour of torchao, which is not installed here;
        # the eager dynamic API still ships with torch 2.13 and is what this needs.
        warnings.simplefilter("ignore")
        for module in model:
            torch.ao.quantization.quantize_dynamic(module, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
_LOCK = threading.Lock()


def model_fingerprint(name_or_path: str) -> str:
    """A stable id for the manifest: the name, plus a content stamp for local folders."""
    path = Path(name_or_path)
    if not path.is_dir():
        return name_or_path
    h = hashlib.sha256()
    for fname in ("config.json", "modules.json", "config_sentence_transformers.json", "xinfang_model.json"):
        f = path / fname
        if f.exists():
            h.update(f.read_bytes())
    weights = path / "model.safetensors"
    if weights.exists():
        h.update(str(weights.stat().st_size).encode())
    return f"{path.name}@{h.hexdigest()[:16]}"


def embed_by_length(texts: list[str], dim: int, step: int, embed: Callable[[list[str]], np.ndarray],
                    progress=None) -> np.ndarray:
    """``embed`` over chunks of ``step`` texts sorted by length, so each batch pads little; input order kept."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for start in range(0, len(order), step):
        idx = order[start:start + step]
        out[idx] = embed([texts[i] for i in idx])
        if progress is not None:
            progress(min(start + step, len(texts)), len(texts))
    return out


class QueryCache:
    """Single queries through a small cache, for the embedders that run a model.

    Query vectors only (1.5 KB each), never answers. It saves the second embedding of the same
    text within one turn (retrieval and triage), repeated quick-reply texts, and holds a vector
    computed ahead of its action (the API's prefetch, see actions.runtime.Runtime.prefetch) for
    the ~0.1 s until the action asks: the API prefetches only turns it has let through to Rasa (at
    most RASA_MAX_INFLIGHT at a time), so a few dozen entries are plenty. Kept small on purpose:
    it is not a response cache, and the chat benchmark's questions are never served from it. One
    cache per process (a process has one embedder), keyed by embedder and text.

    Subclasses provide ``_embed_one(text, prompt)`` and ``_embed_many(texts, prompt)``.
    """

    caches_queries = True

    def _embed_one(self, text: str, prompt: str) -> np.ndarray:
        raise NotImplementedError

    def _embed_many(self, texts: list[str], prompt: str) -> np.ndarray:
        raise NotImplementedError

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if len(texts) == 1:
            # One turn embeds the same query for retrieval and for triage: compute it once.
            return self._one_query(texts[0])[None, :]
        return self._embed_many(texts, "query")

    @functools.lru_cache(maxsize=32)  # noqa: B019 - one embedder per model for the process's life
    def _one_query(self, text: str) -> np.ndarray:
        vec = self._embed_one(text, "query")
        vec.setflags(write=False)
        return vec

    def clear_query_cache(self) -> None:
        self._one_query.cache_clear()


class SentenceTransformerEmbedder(QueryCache):
    """Any sentence-transformers model by name or local path (``EMBEDDING_MODEL``)."""

    def __init__(self, model: str, device: str = "cpu", batch_size: int = 32, max_seq_length: int = 256,
                 threads: int | None = None, quantize: str = "none") -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be ≥ 1, got {batch_size}")
        check_quantize(quantize)
        if quantize != "none" and device != "cpu":
            raise ValueError("int8 dynamic quantization is a CPU optimisation; use quantize='none' on other devices")
        self.quantize = quantize
        self.model_name, self.device, self.batch_size = model, device, batch_size
        self.max_seq_length = max_seq_length
        self.threads = threads
        self._model_id: str | None = None

    @property
    def model_id(self) -> str:
        if self._model_id is None:
            suffix = "" if self.quantize == "none" else f"+{self.quantize}"
            self._model_id = model_fingerprint(self.model_name) + suffix
        return self._model_id

    def _load(self) -> SentenceTransformer:
        key = (self.model_name, self.device, self.quantize)
        with _LOCK:
            model = _MODELS.get(key)
            if model is None:
                import torch
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                if self.threads:
                    # Serving shares 2 cores with Rasa and the API: fewer torch threads avoid thrashing.
                    torch.set_num_threads(self.threads)

                logger.info("embedder.load", extra={"model": self.model_name})
                model = SentenceTransformer(self.model_name, device=self.device)
                if self.max_seq_length:
                    model.max_seq_length = min(model.max_seq_length or self.max_seq_length, self.max_seq_length)
                if self.quantize == "int8":
                    _quantize_linear_int8(model)
                _MODELS[key] = model
        return model

    def warm_up(self) -> None:
        self.embed_queries(["预热"])

    @property
    def dim(self) -> int:
        model = self._load()
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dim())

    def _embed_many(self, texts: list[str], prompt: str, progress=None) -> np.ndarray:
        model = self._load()
        kwargs = {"prompt_name": prompt} if prompt in (model.prompts or {}) else {}
        if progress is None:
            out = model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False, **kwargs)
            return np.asarray(out, dtype=np.float32)
        # encode() only sorts by length within one call
        return embed_by_length(texts, self.dim, self.batch_size * 4, lambda chunk: model.encode(
            chunk, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False, **kwargs), progress)

    def _embed_one(self, text: str, prompt: str) -> np.ndarray:
        """One text through the model's own modules, without encode()'s batching machinery.

        Same modules, same prompt, same result as ``encode`` (checked in the tests) but
        about 2 ms less per query, which is most of the gap to the latency target.
        """
        import torch

        model = self._load()
        if not all(getattr(module, "include_prompt", True) for module in model):
            return self._embed_many([text], prompt)[0]  # pooling that skips the prompt needs encode()'s bookkeeping
        prefix = (model.prompts or {}).get(prompt, "")
        prep = getattr(model, "preprocess", None) or model.tokenize
        features = prep([prefix + text])
        with torch.inference_mode():
            vec = model(features)["sentence_embedding"][0].float()
            vec = torch.nn.functional.normalize(vec, dim=0)
        return vec.numpy().astype(np.float32, copy=True)

    def embed_passages(self, texts: list[str], progress=None) -> np.ndarray:
        return self._embed_many(texts, "passage", progress)


class HashingEmbedder:
    """Deterministic character n-gram hashing: a tiny fake embedder for fast unit tests."""

    def __init__(self, dim: int = 256) -> None:
        if dim < 8:
            raise ValueError(f"dim must be ≥ 8, got {dim}")
        self._dim = dim

    @property
    def model_id(self) -> str:
        return f"hashing-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self._dim, dtype=np.float32)
        chars = [c for c in text if not c.isspace()]
        grams = chars + ["".join(chars[i:i + 2]) for i in range(len(chars) - 1)]
        for g in grams:
            h = int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little")
            v[h % self._dim] += 1.0 if (h >> 32) & 1 else -1.0
        n = np.linalg.norm(v)
        return v / n if n else v

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.vstack([self._vec(t) for t in texts]) if texts else np.zeros((0, self._dim), np.float32)

    def embed_passages(self, texts: list[str], progress=None) -> np.ndarray:
        out = self.embed_queries(texts)
        if progress:
            progress(len(texts), len(texts))
        return out
