"""Central settings: which models the service uses, and at which revision.

Everything that names a model lives here so that upgrades are one-line changes.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
ARTIFACTS_DIR = BASE_DIR / "artifacts"

HUB_ORG = "acme-ml"

# Ticket classifier: DistilBERT fine-tuned on five queues (see app/train.py).
CLASSIFIER_MODEL = "acme-ml/ticket-classifier-distilbert"
CLASSIFIER_REVISION = "420d06cd5345615eb7e0aa1fb2dad25e6998a231"

# Sentence embeddings for similar-ticket search.
EMBEDDING_MODEL = "sentence-transformers/all-mpnet-base-v2"
EMBEDDING_REVISION = "bbe8438eb855671198e5b244303507ba6cf893c6"

MAX_BATCH_SIZE = 32
REQUEST_TIMEOUT_S = float(os.getenv("DEMO_REQUEST_TIMEOUT", "10"))
LOG_LEVEL = os.getenv("DEMO_LOG_LEVEL", "INFO")
