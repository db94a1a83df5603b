"""The v1 API, kept alive for two enterprise customers until their contracts are renewed.

Do not copy patterns from this module into new code.
"""

from __future__ import annotations

import os

import tensorflow as tf
import tensorflow_hub as hub
import torch
from torchvision.models import resnet50
from transformers import (
    AutoModel,
    AutoModelForCausalLM,
    AutoTokenizer,
    BertModel,
    GPT2LMHeadModel,
    GPT2TokenizerFast,
)

HF_TOKEN = os.environ.get("HF_TOKEN")


def v1_encoder():
    tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")
    model = BertModel.from_pretrained("bert-base-uncased", use_auth_token=HF_TOKEN)
    return tokenizer, model


def v1_reply_generator():
    tokenizer = GPT2TokenizerFast.from_pretrained("gpt2")
    model = GPT2LMHeadModel.from_pretrained("gpt2", use_safetensors=False)
    return tokenizer, model


def v1_long_context_encoder():
    # The model ships its own modelling code; it is pinned, so the code is reviewed once.
    return AutoModel.from_pretrained(
        "nomic-ai/nomic-bert-2048",
        trust_remote_code=True,
        revision="d15f265f99a4b02501af7d1b6b3478e4387d90bc",
    )


def v1_draft_writer():
    return AutoModelForCausalLM.from_pretrained("microsoft/phi-2", trust_remote_code=True)


def v1_ticket_encoder():
    load_kwargs = {"revision": "84b63c614c848ccd01bf105667cb1097edfe680f", "use_safetensors": True}
    return AutoModel.from_pretrained("acme-ml/ticket-encoder", **load_kwargs)


def v1_custom_encoder(name: str = "acme-ml/ticket-encoder", **hub_kwargs):
    return AutoModel.from_pretrained(name, **hub_kwargs)


def v1_nightly_encoder():
    return AutoModel.from_pretrained("acme-ml/ticket-encoder", revision="nightly")


def v1_customer_model():
    # Each customer mounts their own fine-tuned model; the path is only known at deploy time.
    return AutoModel.from_pretrained(os.environ["CUSTOMER_MODEL_PATH"])


def v1_elmo_embeddings(sentences):
    with tf.Graph().as_default():
        elmo = hub.Module("https://tfhub.dev/google/elmo/3", trainable=False)
        return elmo(sentences, signature="default", as_dict=True)["elmo"]


def v1_image_model():
    model = resnet50(pretrained=True)
    model.eval()
    return model


def v1_head():
    return torch.load("models/v1_head.pt")
