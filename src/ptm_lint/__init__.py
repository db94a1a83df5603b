"""ptm-lint: static analysis of pre-trained-model dependencies."""

__version__ = "0.1.0"
