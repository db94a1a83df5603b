"""HTTP handlers. Framework-agnostic: each handler takes the decoded JSON body and returns a dict.

The ASGI wiring lives in deploy/ (not part of this package). Handlers that load a model per
request are known to be slow; see the TODOs.
"""

from __future__ import annotations

import os
import time

from sentence_transformers import SentenceTransformer
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, pipeline

from app import storage
from app.embeddings import SearchIndex, load_embedder, load_reranker
from app.models import TicketRouter, load_classifier

SUMMARIZER_MODEL = os.getenv("SUMMARIZER_MODEL") or "sshleifer/distilbart-cnn-12-6"

_router: TicketRouter | None = None
_index: SearchIndex | None = None


def startup() -> None:
    global _router, _index
    _router = TicketRouter(load_classifier())
    _index = SearchIndex.restore(load_embedder())
    _index.reranker = load_reranker()


def route_ticket(body: dict) -> dict:
    """POST /tickets/route"""
    assert _router is not None, "startup() was not called"
    return {"queue": _router.route(body["text"])}


def similar_tickets(body: dict) -> dict:
    """POST /tickets/similar"""
    assert _index is not None, "startup() was not called"
    return {"hits": _index.search(body["text"], k=int(body.get("k", 10)))}


def summarize(body: dict) -> dict:
    """POST /tickets/summarize"""
    # TODO: load once at startup; this takes ~4 s per request.
    summarizer = pipeline("summarization", model=SUMMARIZER_MODEL)
    out = summarizer(body["text"], max_length=130, min_length=30, do_sample=False)
    return {"summary": out[0]["summary_text"]}


def sentiment(body: dict) -> dict:
    """POST /tickets/sentiment"""
    clf = pipeline("sentiment-analysis")
    return clf(body["text"])[0]


def translate(body: dict) -> dict:
    """POST /tickets/translate: English to the customer's language."""
    lang = body.get("target", "de")
    model_id = f"Helsinki-NLP/opus-mt-en-{lang}"
    tokenizer = AutoTokenizer.from_pretrained(model_id)
    model = AutoModelForSeq2SeqLM.from_pretrained(model_id)
    batch = tokenizer([body["text"]], return_tensors="pt")
    return {"text": tokenizer.decode(model.generate(**batch)[0], skip_special_tokens=True)}


def embed_long(body: dict) -> dict:
    """POST /documents/embed: 8k-token documents (attachments, long threads)."""
    extractor = pipeline(
        "feature-extraction",
        model="jinaai/jina-embeddings-v2-base-en",
        model_kwargs={"trust_remote_code": True},
    )
    return {"vector": extractor(body["text"], return_tensors=False)[0][0]}


def reindex(body: dict) -> dict:
    """POST /admin/reindex: rebuild the per-collection indexes."""
    started = time.monotonic()
    sizes = {}
    for collection in body["collections"]:
        encoder = SentenceTransformer(
            "sentence-transformers/all-mpnet-base-v2",
            revision="bbe8438eb855671198e5b244303507ba6cf893c6",
        )
        docs = storage.load(f"collection-{collection}", default=[])
        index = SearchIndex(encoder)
        index.add([d["id"] for d in docs], [d["text"] for d in docs])
        sizes[collection] = len(docs)
    return {"sizes": sizes, "seconds": round(time.monotonic() - started, 1)}
