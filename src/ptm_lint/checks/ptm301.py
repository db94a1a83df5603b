"""PTM301 deprecated-argument: a loader argument deprecated or removed in the declared library range
(check; fix: rename to the replacement, or drop an ignored argument)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..check.context import Context, Hit
from ..core import Reference
from ..discover.project import all_at_least, any_at_least
from ._common import scheme

if TYPE_CHECKING:
    from ..fix.proposal import FixContext, Proposal

SCOPE = "reference"

# Keyword renames that keep the value. A rename is safe only when every release the project allows
# already knows the new name; the deprecation release introduced it, so that is the bound.
RENAMES = {
    "use_auth_token": "token",
    "torch_dtype": "dtype",
    "tokenizer_kwargs": "processor_kwargs",
    "model_name": "model_name_or_path",
    "automodel_args": "model_kwargs",
    "tokenizer_args": "tokenizer_kwargs",
    "config_args": "config_kwargs",
    "cache_dir": "cache_folder",
    "default_activation_function": "activation_fn",
    "github": "repo_or_dir",
    "pretrained_hf": "pretrained_text",
    "from_transformers": "export",
}
# Arguments newer releases ignore (or always behave as if set): deleting them is unsafe only in
# that older releases in the declared range may still honour them.
DROPPABLE = frozenset({"resume_download", "force_filename", "local_dir_use_symlinks", "mirror", "_fast_init",
                       "legacy_cache_layout"})


def shown(arg: str) -> str:
    name, _, value = arg.partition("=")
    return f"{name}={value!r}" if value else f"{name}="


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    loader = ctx.catalog.by_id(ref.loader)
    if loader is None:
        return
    for dep in loader.deprecated:
        name, has_value, value = dep.arg.partition("=")
        if name not in ref.keywords or (name == "pretrained" and scheme(ref, ctx) == "torchvision"):
            continue
        if has_value:
            actual = ref.revision if name == "revision" else ref.options.get(name, ref.args.get(name))
            if str(actual) != value:
                continue
        spec = ctx.declared(dep.package)
        if dep.since and any_at_least(spec, dep.since) is False:
            continue  # the project only allows versions from before the deprecation
        removed = bool(dep.removed) and all_at_least(spec, dep.removed) is True
        instead = f"use {dep.replacement}" if dep.replacement else (dep.note or "drop it")
        # For the fixer: whether every allowed release has the replacement, and if not, why.
        if dep.since is None or all_at_least(spec, dep.since) is True:
            unsafe_because = None
        elif spec is None:
            unsafe_because = f"the project declares no {dep.package} version"
        else:
            unsafe_because = f"the project allows {dep.package} {spec}, and releases before {dep.since} lack it"
        data = {"argument": dep.arg, "package": dep.package, "since": dep.since, "unsafe_because": unsafe_because}
        if removed:
            yield Hit(f"{shown(dep.arg)} was removed in {dep.package} {dep.removed}, which the project requires: "
                      f"this call fails; {instead}", level="error", data=data)
        else:
            since = f" since {dep.package} {dep.since}" if dep.since else ""
            gone = f" and removed in {dep.removed}" if dep.removed else ""
            yield Hit(f"{shown(dep.arg)} is deprecated{since}{gone}; {instead}", data=data)


def fix(fx: FixContext) -> Proposal | None:
    """Rename a renamed keyword (same value) or delete one newer releases ignore."""
    import libcst as cst

    from ..fix.cst_tools import find_kwarg, remove_arg
    from ..fix.proposal import SAFE, UNSAFE, Proposal

    argument = fx.finding.data.get("argument")
    dep = next((d for d in (fx.loader.deprecated if fx.loader else ()) if d.arg == argument), None)
    if dep is None:
        return None
    name, has_value, value = dep.arg.partition("=")
    found = find_kwarg(fx.call, name)
    if found is None:
        return None
    index, arg = found
    if has_value:  # diffusers revision="fp16" -> variant="fp16"
        if name == "revision" and (dep.replacement or "").startswith("variant") and isinstance(arg.value, cst.SimpleString):
            text = fx.unit.replace(arg, arg.with_changes(keyword=cst.Name("variant")))
            return Proposal(text, UNSAFE, f"Use variant={fx.unit.code(arg.value)} instead of {dep.arg}")
        return None
    target = RENAMES.get(name)
    if target and dep.replacement == target:
        if find_kwarg(fx.call, target):
            return None  # both given: a human has to choose
        text = fx.unit.replace(arg, arg.with_changes(keyword=cst.Name(target)))
        because = fx.finding.data.get("unsafe_because")
        if because:
            return Proposal(text, UNSAFE, f"Rename {name}= to {target}= (same value; unsafe: {because})")
        return Proposal(text, SAFE, f"Rename {name}= to {target}= (same value)")
    if name in DROPPABLE and not dep.replacement:
        text = fx.unit.replace(fx.call, remove_arg(fx.call, index))
        return Proposal(text, UNSAFE, f"Remove {name}= ({dep.note or 'ignored by current releases'})")
    return None
