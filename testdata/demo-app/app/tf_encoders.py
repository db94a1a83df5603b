"""TensorFlow text encoders for the multilingual search path (tickets in 16 languages)."""

from __future__ import annotations

import kagglehub
import tensorflow as tf
import tensorflow_hub as hub

USE_MULTILINGUAL = "https://tfhub.dev/google/universal-sentence-encoder-multilingual/3"
KAGGLE_OWNER = "keras"


def multilingual_encoder() -> tf.keras.Model:
    text = tf.keras.layers.Input(shape=(), dtype=tf.string, name="text")
    embedding = hub.KerasLayer(USE_MULTILINGUAL, trainable=False, name="use")(text)
    return tf.keras.Model(text, embedding)


def large_encoder():
    """Universal Sentence Encoder (large) from Kaggle Models, version 2."""
    return hub.load("https://www.kaggle.com/models/google/universal-sentence-encoder/tensorFlow2/large/2")


def nnlm_layer() -> hub.KerasLayer:
    return hub.KerasLayer("https://tfhub.dev/google/nnlm-en-dim128", input_shape=[], dtype=tf.string)


def bert_savedmodel_dir() -> str:
    return kagglehub.model_download("google/bert/tensorFlow2/en-uncased-l-12-h-768-a-12/3")


def gemma_preset_dir() -> str:
    return kagglehub.model_download(f"{KAGGLE_OWNER}/gemma/keras/gemma_2b_en")


def encode(texts: list[str]) -> tf.Tensor:
    model = multilingual_encoder()
    return model(tf.constant(texts))
