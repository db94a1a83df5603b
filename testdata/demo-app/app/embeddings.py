"""Sentence embeddings, reranking and a small in-memory index for similar-ticket search."""

from __future__ import annotations

import json
import os

import numpy as np
from sentence_transformers import CrossEncoder, SentenceTransformer

from app import storage
from app.settings import EMBEDDING_MODEL, EMBEDDING_REVISION

# Overridable for A/B tests; the small BGE model is the default.
SEARCH_MODEL = os.environ.get("SEARCH_MODEL", "BAAI/bge-small-en-v1.5")

SERVING = json.load(open("configs/serving.json", encoding="utf-8"))


def load_embedder() -> SentenceTransformer:
    """The production embedder, pinned to a commit."""
    return SentenceTransformer(EMBEDDING_MODEL, revision=EMBEDDING_REVISION, device="cpu")


def load_search_model() -> SentenceTransformer:
    return SentenceTransformer(SEARCH_MODEL, device="cpu")


def quick_embedder() -> SentenceTransformer:
    # Good enough for the dev server and unit tests.
    return SentenceTransformer("all-MiniLM-L6-v2")


def load_reranker() -> CrossEncoder:
    """Reranker chosen in configs/serving.json (ops can swap it without a release)."""
    return CrossEncoder(SERVING["reranker"]["model_id"], revision=SERVING["reranker"]["revision"], max_length=512)


def load_fallback_reranker(model_name: str = "cross-encoder/ms-marco-MiniLM-L-6-v2") -> CrossEncoder:
    return CrossEncoder(model_name, max_length=512)


class SearchIndex:
    """Cosine-similarity index over normalized embeddings."""

    def __init__(self, encoder: SentenceTransformer, reranker: CrossEncoder | None = None):
        self.encoder = encoder
        self.reranker = reranker
        self.ids: list[str] = []
        self.texts: list[str] = []
        self.matrix = np.zeros((0, encoder.get_sentence_embedding_dimension()), dtype=np.float32)

    @classmethod
    def restore(cls, encoder: SentenceTransformer, key: str = "ticket-index") -> "SearchIndex":
        index = cls(encoder)
        saved = storage.load(key, default={"ids": [], "texts": [], "vectors": []})
        index.ids, index.texts = saved["ids"], saved["texts"]
        if saved["vectors"]:
            index.matrix = np.asarray(saved["vectors"], dtype=np.float32)
        return index

    def add(self, ids: list[str], texts: list[str]) -> None:
        vectors = self.encoder.encode(texts, normalize_embeddings=True)
        self.ids.extend(ids)
        self.texts.extend(texts)
        self.matrix = np.vstack([self.matrix, vectors])

    def search(self, query: str, k: int = 10) -> list[tuple[str, float]]:
        q = self.encoder.encode([query], normalize_embeddings=True)[0]
        scores = self.matrix @ q
        top = np.argsort(-scores)[: k * 2 if self.reranker else k]
        hits = [(self.ids[i], float(scores[i])) for i in top]
        if self.reranker is not None:
            pairs = [(query, self.texts[i]) for i in top]
            rerank = self.reranker.predict(pairs)
            hits = sorted(zip([h[0] for h in hits], rerank), key=lambda h: -h[1])
        return hits[:k]


def load_domain_encoder(name: str) -> SentenceTransformer:
    """Per-domain encoders, pinned here; the callers choose the model."""
    return SentenceTransformer(name, revision="5f8e2c1a9b0d7e6f4a3c2b1d0e9f8a7b6c5d4e3f", device="cpu")


def legal_search_index() -> SearchIndex:
    return SearchIndex(load_domain_encoder("acme-ml/legal-mpnet"))
