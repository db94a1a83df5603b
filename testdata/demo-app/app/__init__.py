"""demo-app: support-ticket classification and semantic search."""

__version__ = "0.3.1"
