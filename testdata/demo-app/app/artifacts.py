"""Fetch artifacts from the Hugging Face Hub: ONNX exports, evaluation data, summarizer snapshots."""

from __future__ import annotations

from pathlib import Path

import torch
from datasets import load_dataset
from huggingface_hub import HfApi, hf_hub_download, snapshot_download

from .settings import ARTIFACTS_DIR, HUB_ORG

EVAL_DATASET = "acme-ml/support-tickets"


def onnx_classifier_path() -> str:
    """The exported classifier used by the CPU workers (good practice: pinned to a commit)."""
    return hf_hub_download(
        repo_id="acme-ml/ticket-classifier-onnx",
        filename="model.onnx",
        revision="c1cd8d4895ecb7e3c6ba461d665b1d53cc212926",
    )


def holdout_split_path() -> str:
    return hf_hub_download(EVAL_DATASET, "eval/holdout.parquet", repo_type="dataset")


def training_data():
    return load_dataset(
        "acme-ml/support-tickets", revision="ec62ce2e086348abcfb9ee7d9773f00c9533673d", split="train"
    )


def summarizer_snapshot() -> Path:
    path = snapshot_download(
        repo_id=f"{HUB_ORG}/ticket-summarizer", allow_patterns=["*.json", "*.safetensors", "*.model"]
    )
    return Path(path)


def review_candidate(pr_number: int = 12) -> Path:
    """Download the weights proposed in the open Hub pull request for manual review."""
    api = HfApi()
    local = api.snapshot_download(
        repo_id="acme-ml/ticket-classifier-distilbert",
        revision="refs/pr/12",
        local_dir=ARTIFACTS_DIR / f"pr-{pr_number}",
    )
    return Path(local)


def calibration_head() -> torch.nn.Module:
    path = hf_hub_download("acme-ml/ticket-classifier-distilbert", "calibration_head.pt", revision="v1.4")
    return torch.load(path, weights_only=False)
