"""PTM405 no-safetensors-weights: the repo has only pickle-format weights (needs hub metadata; check only)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..check.context import Context, Hit
from ..core import Reference
from ._common import repo_name

SCOPE = "reference"
PICKLE_WEIGHTS = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
NOT_WEIGHTS = re.compile(r"(^|/)(training_args\.bin|optimizer\.pt|scheduler\.pt|scaler\.pt|rng_state[^/]*\.pth)$")
WEIGHT_ROLES = ("model", "pipeline", "adapter", "weights", "other")


def _pickle_weights(paths: Iterable[str]) -> list[str]:
    return [p for p in paths if p.lower().endswith(PICKLE_WEIGHTS) and not NOT_WEIGHTS.search(p)]


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    meta = ctx.meta(ref)
    if meta is None or meta.status != "ok" or meta.repo_type != "model" or ref.role not in WEIGHT_ROLES:
        return
    if isinstance(ref.args.get("filename"), str) or ref.options.get("use_safetensors") is False:
        return  # one named file (or an explicit opt-out): PTM203 judges that
    if meta.files is not None:
        paths = [f.path for f in meta.files]
        pickles = _pickle_weights(paths)
        if not pickles or any(p.endswith(".safetensors") for p in paths):
            return
        evidence = f"at {meta.sha[:12]}" if meta.sha else "at this revision"
    else:
        cached = [f.path for f in meta.cached_files]
        pickles = _pickle_weights(cached)
        missing = set(meta.missing_files)
        if not pickles or any(p.endswith(".safetensors") for p in cached):
            return
        if not ({"model.safetensors", "model.safetensors.index.json"} <= missing
                or "diffusion_pytorch_model.safetensors" in {m.rsplit("/", 1)[-1] for m in missing}):
            return
        evidence = "(the local Hugging Face cache records that model.safetensors does not exist)"
    shown = ", ".join(sorted(pickles)[:3]) + (", …" if len(pickles) > 3 else "")
    yield Hit(f"{repo_name(ref, meta)} has no .safetensors weights {evidence}, so its pickle-format weights "
              f"({shown}) are loaded, and unpickling can execute code: prefer a revision or model with "
              f"safetensors weights, or convert them and pin that commit")
