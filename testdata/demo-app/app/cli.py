"""Score a CSV of tickets offline.

    demo-score tickets.csv --model-name roberta-base --checkpoint ./checkpoints/last
"""

from __future__ import annotations

import argparse
import csv
import sys

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score a CSV of support tickets.")
    parser.add_argument("csv_path")
    parser.add_argument("--model-name", default="roberta-base", help="tokenizer to use")
    parser.add_argument("--revision", default=None)
    parser.add_argument("--checkpoint", default="./checkpoints/last", help="fine-tuned model directory")
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)

    tokenizer = AutoTokenizer.from_pretrained(args.model_name, revision=args.revision)
    model = AutoModelForSequenceClassification.from_pretrained(args.checkpoint)
    model.eval()

    with open(args.csv_path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    writer = csv.writer(sys.stdout)
    for start in range(0, len(rows), args.batch_size):
        chunk = rows[start : start + args.batch_size]
        batch = tokenizer([r["text"] for r in chunk], padding=True, truncation=True, return_tensors="pt")
        with torch.no_grad():
            preds = model(**batch).logits.argmax(dim=-1).tolist()
        for row, pred in zip(chunk, preds):
            writer.writerow([row["id"], model.config.id2label[pred]])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
