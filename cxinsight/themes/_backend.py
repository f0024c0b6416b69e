"""Bridges to BERTopic: quiet imports and an embedding backend that uses cxinsight's cache."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import numpy as np


@contextmanager
def quiet() -> Iterator[None]:
    """Silence BERTopic/UMAP chatter inside the block only (no global filters left behind)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*n_jobs value.*overridden.*")
        warnings.filterwarnings("ignore", message=".*random_state.*parallelism.*")
        warnings.filterwarnings("ignore", message=".*omp_set_nested.*")
        warnings.filterwarnings("ignore", message=".*precomputed.*")
        warnings.filterwarnings("ignore", message=".*Tensorflow not installed.*")
        warnings.filterwarnings("ignore", message=".*inverse_transform.*")
        warnings.filterwarnings("ignore", message=".*Cannot cache compiled function.*")
        yield


@lru_cache(maxsize=1)
def bertopic_module() -> Any:
    """Import :mod:`bertopic` without keeping the warning filters it installs at import time.

    BERTopic 0.17 calls ``warnings.filterwarnings("ignore", ...)`` for every ``FutureWarning``
    and ``UserWarning`` when imported; importing it inside ``catch_warnings`` restores the
    user's filters afterwards.
    """
    with warnings.catch_warnings():
        import bertopic  # noqa: F401
        import bertopic._bertopic  # noqa: F401

    return bertopic


def make_embedder(model: Any = None) -> Any:
    """Return a BERTopic embedding backend that embeds through :func:`cxinsight.embeddings.encode`.

    Parameters
    ----------
    model : str or path-like, optional
        The embedding model (see :func:`cxinsight.embeddings.resolve_model`). Never downloaded.

    Returns
    -------
    bertopic.backend.BaseEmbedder
    """
    bertopic_module()
    from bertopic.backend import BaseEmbedder

    from cxinsight.embeddings import encode

    class CachedEncoder(BaseEmbedder):
        """Embed words and documents through the cxinsight disk cache."""

        def __init__(self, model: Any = None) -> None:
            super().__init__()
            self.model = model
            # text -> vector seen by this backend: MMR asks again, topic by topic, for the
            # words KeyBERTInspired embedded in one call; answering from memory avoids one
            # disk-cache look-up per topic
            self._seen: dict[str, np.ndarray] = {}

        def embed(self, documents, verbose: bool = False) -> np.ndarray:  # noqa: D102
            docs = [str(d) for d in documents]
            missing = list(dict.fromkeys(d for d in docs if d not in self._seen))
            if missing:
                vectors = np.asarray(encode(missing, self.model, show_progress=False))
                self._seen.update(zip(missing, vectors))
            if not docs:
                return np.asarray(encode([], self.model, show_progress=False))
            return np.vstack([self._seen[d] for d in docs])

    return CachedEncoder(model)
