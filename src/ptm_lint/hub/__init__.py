"""Hub metadata: what the hub knows about each model, from the local HF cache, ptm-lint's cache or the Hub API."""
