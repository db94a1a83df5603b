"""The ticket classifier: tokenizer, sequence-classification model and zero-shot fallback."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import torch
from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    BertForSequenceClassification,
    pipeline,
)

from .settings import CLASSIFIER_MODEL, CLASSIFIER_REVISION

logger = logging.getLogger(__name__)

LABELS = ("billing", "bug", "feature-request", "account", "other")


class TicketClassifier(BertForSequenceClassification):
    """BERT-large classifier used for the enterprise queue.

    It behaves like any transformers model: ``TicketClassifier.from_pretrained(name)`` loads it,
    ``save_pretrained`` writes it back.
    """

    @classmethod
    def for_inference(cls, name_or_path: str = "acme-ml/ticket-bert-large", revision: str = "v2.1.0"):
        model = cls.from_pretrained(name_or_path, revision=revision, num_labels=len(LABELS))
        model.eval()
        return model


@dataclass
class Classifier:
    tokenizer: object
    model: object
    labels: tuple[str, ...] = LABELS

    def predict(self, texts: list[str]) -> list[str]:
        batch = self.tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
        with torch.no_grad():
            logits = self.model(**batch).logits
        return [self.labels[i] for i in logits.argmax(dim=-1).tolist()]


def load_classifier() -> Classifier:
    """Production classifier, pinned to an exact commit and loaded from safetensors."""
    tokenizer = AutoTokenizer.from_pretrained(CLASSIFIER_MODEL, revision=CLASSIFIER_REVISION)
    model = AutoModelForSequenceClassification.from_pretrained(
        CLASSIFIER_MODEL,
        revision=CLASSIFIER_REVISION,
        use_safetensors=True,
    )
    model.eval()
    return Classifier(tokenizer, model)


def load_candidate_classifier() -> Classifier:
    """Candidate weights for the shadow deployment."""
    # The tokenizer was re-exported after the vocabulary fix; the weights come from the candidate commit.
    tokenizer = AutoTokenizer.from_pretrained(CLASSIFIER_MODEL, revision="v1.4")
    model = AutoModelForSequenceClassification.from_pretrained(
        CLASSIFIER_MODEL, revision="901403c44d1385a4b0170d6166c01169ccd86736"
    )
    return Classifier(tokenizer, model)


def load_enterprise_classifier() -> Classifier:
    tokenizer = AutoTokenizer.from_pretrained("acme-ml/ticket-bert-large", revision="v2.1.0")
    return Classifier(tokenizer, TicketClassifier.for_inference())


def build_from_checkpoint(checkpoint: str = "./artifacts/classifier-head.pt") -> BertForSequenceClassification:
    """Rebuild the classifier from a raw state dict exported by the old training job."""
    config = AutoConfig.from_pretrained("bert-base-uncased", num_labels=len(LABELS))
    model = BertForSequenceClassification(config)
    state = torch.load(checkpoint, map_location="cpu")
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        logger.warning("checkpoint mismatch: missing=%s unexpected=%s", missing, unexpected)
    return model


class TicketRouter:
    """Routes tickets to queues; falls back to zero-shot classification when unsure."""

    def __init__(self, classifier: Classifier, threshold: float = 0.55):
        self.classifier = classifier
        self.threshold = threshold
        self.zero_shot_name = "facebook/bart-large-mnli"
        self._zero_shot = None

    def zero_shot(self):
        if self._zero_shot is None:
            self._zero_shot = pipeline(
                "zero-shot-classification", model=self.zero_shot_name, revision="d7645e1"
            )
        return self._zero_shot

    def route(self, text: str) -> str:
        label = self.classifier.predict([text])[0]
        if label != "other":
            return label
        result = self.zero_shot()(text, candidate_labels=list(LABELS[:-1]))
        best, score = result["labels"][0], result["scores"][0]
        return best if score >= self.threshold else "other"
