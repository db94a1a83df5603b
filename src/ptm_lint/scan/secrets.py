"""Hub access tokens in scanned bytes and in text: find them fast, mask them everywhere."""

from __future__ import annotations

import re

# Hugging Face user/org access tokens. Only the public prefix of a match is ever kept.
_TOKEN = re.compile(r"(?<![A-Za-z0-9_])(hf_|api_org_)[A-Za-z0-9]{30,}(?![A-Za-z0-9])")
_TOKEN_BYTES = re.compile(rb"(?<![A-Za-z0-9_])(?:hf_|api_org_)[A-Za-z0-9]{30,}")
_TOKEN_TAIL = re.compile(rb"[A-Za-z0-9]{30}")


_IDENT = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _has_token(data: bytes) -> bool:
    """`_TOKEN_BYTES.search(data) is not None`, 6x faster: bytes.find skips to each prefix, where
    the regex (its leading look-behind defeats the literal-prefix scan) tries every byte."""
    for prefix in (b"hf_", b"api_org_"):
        at = data.find(prefix)
        while at != -1:
            if (at == 0 or data[at - 1] not in _IDENT) and _TOKEN_TAIL.match(data, at + len(prefix)):
                return True
            at = data.find(prefix, at + 1)
    return False


def mask_secrets(text: str) -> str:
    """`text` with every hub token replaced by its public prefix and `****` (PTM206's mask)."""
    if "hf_" not in text and "api_org_" not in text:
        return text
    return _TOKEN.sub(lambda m: m.group(1) + "****", text)
