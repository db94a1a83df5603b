"""Transcribe support calls from the Chinese-language hotline with FunASR's Paraformer on ModelScope."""

from __future__ import annotations

from modelscope import snapshot_download
from modelscope.pipelines import pipeline
from modelscope.utils.constant import Tasks

# The punctuation model ships inside the ASR pipeline's config; only the ASR model is named here.
ASR_MODEL = "iic/speech_paraformer-large_asr_nat-zh-cn-16k-common-vocab8404-pytorch"
VAD_MODEL = "iic/speech_fsmn_vad_zh-cn-16k-common-pytorch"


def load_transcriber():
    """The production transcriber, pinned to a release tag of the model repo."""
    return pipeline(task=Tasks.auto_speech_recognition, model=ASR_MODEL, model_revision="v2.0.4")


def fetch_vad(cache_dir: str = "/models/modelscope") -> str:
    # Downloaded for the offline batch job; follows the repo's master branch.
    return snapshot_download(VAD_MODEL, cache_dir=cache_dir)
