"""tfhub.dev handles and the Kaggle Models URLs they redirect to (PTM303's fix).

Only mappings that were checked are listed: tfhub.dev version numbers were NOT carried over to
Kaggle (universal-sentence-encoder/4 on tfhub.dev is version 2 on Kaggle), so the URL cannot be
derived mechanically. Add an entry only with evidence of the redirect target.
"""

from __future__ import annotations

import re

# tfhub.dev path (publisher/model[/.../version]) -> Kaggle Models URL.
TFHUB_TO_KAGGLE: dict[str, str] = {
    # The redirect of https://tfhub.dev/google/universal-sentence-encoder/4 (also the URL the
    # TensorFlow Hub docs moved to); seen replacing it in projects after the migration.
    "google/universal-sentence-encoder/4":
        "https://www.kaggle.com/models/google/universal-sentence-encoder/TensorFlow2/universal-sentence-encoder/2",
}

_TFHUB = re.compile(r"https?://tfhub\.dev/(?P<path>[^?#]+?)/?")


def kaggle_url_for(handle: str) -> str | None:
    """The Kaggle Models URL for a tfhub.dev handle, when the mapping is known."""
    match = _TFHUB.fullmatch(handle.strip())
    if match is None:
        return None
    return TFHUB_TO_KAGGLE.get(match.group("path"))
