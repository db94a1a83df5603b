"""Fine-tune the ticket classifier.

    python -m app.train --output_dir runs/exp42 --num_train_epochs 3
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from datasets import load_dataset
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    HfArgumentParser,
    Trainer,
    TrainingArguments,
)

from app.models import LABELS


@dataclass
class ModelArguments:
    model_name_or_path: str = field(
        default="distilbert/distilbert-base-uncased",
        metadata={"help": "Model id on the Hub or a local directory."},
    )
    model_revision: str = field(
        default="main",
        metadata={"help": "Branch, tag or commit of the model to start from."},
    )
    trust_remote_code: bool = field(default=False)


@dataclass
class DataArguments:
    dataset_name: str = field(default="acme-ml/support-tickets")
    dataset_revision: Optional[str] = field(default=None)
    max_seq_length: int = field(default=256)


def compute_metrics(eval_pred):
    logits, labels = eval_pred
    return {"accuracy": float((np.argmax(logits, axis=-1) == labels).mean())}


def main() -> None:
    parser = HfArgumentParser((ModelArguments, DataArguments, TrainingArguments))
    model_args, data_args, training_args = parser.parse_args_into_dataclasses()

    raw = load_dataset(data_args.dataset_name, revision=data_args.dataset_revision)
    tokenizer = AutoTokenizer.from_pretrained(
        model_args.model_name_or_path, revision=model_args.model_revision
    )
    model = AutoModelForSequenceClassification.from_pretrained(
        model_args.model_name_or_path,
        revision=model_args.model_revision,
        num_labels=len(LABELS),
        trust_remote_code=model_args.trust_remote_code,
    )

    def tokenize(batch):
        return tokenizer(batch["text"], truncation=True, max_length=data_args.max_seq_length)

    encoded = raw.map(tokenize, batched=True)
    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=encoded["train"],
        eval_dataset=encoded["validation"],
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=compute_metrics,
    )
    trainer.train()
    trainer.save_model()
    tokenizer.save_pretrained(training_args.output_dir)


if __name__ == "__main__":
    main()
