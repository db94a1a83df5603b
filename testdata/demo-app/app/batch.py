"""Nightly batch scoring job: classifies yesterday's tickets with the model chosen in configs/model.yaml."""

from __future__ import annotations

import datetime as dt
import json

import torch
import yaml
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from app import storage

cfg = yaml.safe_load(open("configs/model.yaml"))


def load_model():
    tokenizer = AutoTokenizer.from_pretrained(cfg["tokenizer"]["name"], revision=cfg["tokenizer"]["revision"])
    model = AutoModelForSequenceClassification.from_pretrained(
        cfg["model"]["name"], revision=cfg["model"]["revision"]
    )
    return tokenizer, model


def run(day: dt.date | None = None) -> dict:
    day = day or dt.date.today() - dt.timedelta(days=1)
    tickets = storage.load(f"tickets-{day.isoformat()}", default=[])
    tokenizer, model = load_model()
    size = cfg["scoring"]["batch_size"]
    counts: dict[str, int] = {}
    for start in range(0, len(tickets), size):
        texts = [t["text"] for t in tickets[start : start + size]]
        batch = tokenizer(texts, padding=True, truncation=True, max_length=cfg["model"]["max_length"], return_tensors="pt")
        with torch.no_grad():
            preds = model(**batch).logits.argmax(dim=-1).tolist()
        for pred in preds:
            label = model.config.id2label[pred]
            counts[label] = counts.get(label, 0) + 1
    report = {"day": day.isoformat(), "counts": counts}
    storage.save(f"report-{day.isoformat()}", report)
    print(json.dumps(report))
    return report
