"""Embedders for the corpus: an offline hashed n-gram embedder made for Chinese, or an OpenAI endpoint.

Chroma's default embedder downloads a model and the English MiniLM models turn most Chinese characters into
[UNK], so the default here needs no model at all: character 1-/2-/3-grams and jieba words are hashed with a
stable hash (blake2b, unlike Python's salted `hash()`) into a dense L2-normalised vector. It is deterministic,
so an index built today answers the same queries tomorrow.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

import numpy as np
from langchain_core.embeddings import Embeddings

from .errors import ConfigError
from .settings import Settings
from .words import cut

DIMENSIONS = 768
# weights of the feature kinds: single characters say little, words and 2/3-grams carry the meaning
_WEIGHTS = {1: 0.4, 2: 1.0, 3: 0.8, "w": 1.0}
_SKIP = re.compile(r"[\s\W_]+", re.UNICODE)
# words that only say "this is a question"; they would pull every question towards the same chunks
STOPWORDS = frozenset(
    {
        "的",
        "了",
        "和",
        "与",
        "及",
        "是",
        "在",
        "中",
        "对",
        "有",
        "为",
        "等",
        "怎么",
        "怎样",
        "如何",
        "什么",
        "哪些",
        "哪个",
        "哪一年",
        "多少",
        "吗",
        "呢",
        "请问",
        "请",
        "写",
        "说",
        "是否",
    }
)


def tokens(text: str) -> list[str]:
    """jieba words without punctuation, spaces and question words: the terms of BM25 and of the embedder."""
    return [w for w in cut(text) if not _SKIP.fullmatch(w) and w not in STOPWORDS]


@lru_cache(maxsize=1 << 18)
def _slot(feature: str, dims: int) -> tuple[int, float]:
    """The dimension a feature falls into and its sign (signed hashing keeps collisions unbiased)."""
    digest = int.from_bytes(hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest(), "little")
    return digest % dims, 1.0 if digest >> 63 else -1.0


class HashEmbeddings(Embeddings):
    """Character n-grams and jieba words hashed into `dims` dimensions; offline and deterministic."""

    def __init__(self, dims: int = DIMENSIONS) -> None:
        self.dims = dims

    @property
    def name(self) -> str:
        return f"hash-{self.dims}"

    def _features(self, text: str, words: list[str] | None = None) -> tuple[list[str], list[float]]:
        features: list[str] = []
        weights: list[float] = []
        for run in _SKIP.split(text):
            for n in (1, 2, 3):
                grams = [f"{n}:{run[i : i + n]}" for i in range(len(run) - n + 1)]
                features += grams
                weights += [_WEIGHTS[n]] * len(grams)
        named = [f"w:{w}" for w in (tokens(text) if words is None else words) if len(w) > 1]
        return features + named, weights + [_WEIGHTS["w"]] * len(named)

    def embed_one(self, text: str, words: list[str] | None = None) -> np.ndarray:
        """The text's vector; `words`: its `tokens` when they are known (stored with a chunk)."""
        features, weights = self._features(text, words)
        vector = np.zeros(self.dims)
        if features:
            slots = [_slot(f, self.dims) for f in features]
            index = np.fromiter((s[0] for s in slots), dtype=np.int64, count=len(slots))
            signed = np.fromiter((s[1] for s in slots), dtype=float, count=len(slots)) * weights
            vector = np.bincount(index, weights=signed, minlength=self.dims)
            # sublinear term frequency: a word repeated ten times is not ten times as relevant
            vector = np.sign(vector) * np.log1p(np.abs(vector))
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_one(t).tolist() for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_one(text).tolist()


def make_embeddings(settings: Settings) -> tuple[Embeddings, str]:
    """The embedder the settings ask for, and a name that identifies its vector space."""
    if settings.embedding == "hash":
        embedder = HashEmbeddings()
        return embedder, embedder.name
    if settings.embedding == "openai":
        from .llm import embeddings

        if not settings.llm_enabled:
            raise ConfigError("已选择 openai 向量模型，但未设置 OPENAI_API_KEY 或 OPENAI_BASE_URL。")
        return embeddings(settings), f"openai-{settings.embedding_model}"
    raise ConfigError(f"不支持的向量模型设置：{settings.embedding!r}（ASSISTANT_EMBEDDING 可选 hash 或 openai）")
