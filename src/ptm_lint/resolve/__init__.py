"""Resolve stage: classify scanned calls into references (hub, canonical id, revision, pin)."""
