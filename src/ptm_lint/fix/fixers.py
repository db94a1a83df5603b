"""One fixer per fixable rule: the CST rewrite of a finding's call, with its applicability.

Safe fixes (applied by `--fix`) cannot change what the code does except by removing the risk the
rule describes; unsafe fixes (`--unsafe-fixes`) may (ruff's model). Each fixer sees the original
unit (usually just the finding's call; the whole file or notebook cell when it asks for more) and
returns the unit's new text through `unit.replace` / `unit.add_comment`; the engine turns that
into text edits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from ..catalog import Loader
from ..core import Finding, Reference
from .cst_tools import (
    StringSite,
    Unit,
    append_arg,
    find_arg,
    find_kwarg,
    has_star_kwargs,
    keyword_arg,
    literal_text,
    remove_arg,
    string_like,
    string_source,
)
from .pins import SHA40, Pin, how_to_pin
from .tfhub_kaggle import kaggle_url_for
from .torchvision_weights import legacy_member, weights_enum

SAFE, UNSAFE = "safe", "unsafe"

# Keyword renames that keep the value. use_auth_token -> token is safe (the same token is sent);
# the others need a library version new enough to know the new name, so they are unsafe.
SAFE_RENAMES = {"use_auth_token": "token"}
UNSAFE_RENAMES = {
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
# Ids resolved this way are fixed values; others (a parameter default, argparse, env) can differ at run time.
FIXED_RESOLUTIONS = frozenset({"literal", "constant", "fstring", "import"})


@dataclass(frozen=True)
class Proposal:
    text: str
    applicability: str
    description: str


@dataclass
class FixContext:
    unit: Unit
    call: cst.Call
    ref: Reference
    finding: Finding
    loader: Loader | None
    pin: Callable[[Reference, str | None], Pin | None]
    hints: list[str] = field(default_factory=list)  # appended to the finding's message


Fixer = Callable[[FixContext], "Proposal | None"]


def _model_site(ctx: FixContext) -> StringSite | None:
    if ctx.loader is None or ctx.loader.model_from_callee:
        return None
    found = find_arg(ctx.call, ctx.loader.model)
    if found is None:
        return None
    return string_source(ctx.unit, found[1].value)


def _where(site: StringSite) -> str:
    return f" (in {site.via})" if site.via else ""


# -- pinning --------------------------------------------------------------------------------------
def _pin_source(pin: Pin) -> str:
    return f"{pin.resolved!r} in the {pin.source}" if pin.offline else f"{pin.resolved!r} on the {pin.source}"


def fix_hf_missing_revision(ctx: FixContext) -> Proposal | None:
    """PTM101: add revision="<sha>" at the call site (also when the id is a constant or default)."""
    ref, loader = ctx.ref, ctx.loader
    if loader is None or loader.revision is None or not loader.revision.kw or ref.model is None:
        return None
    if has_star_kwargs(ctx.call) or ref.dynamic_kwargs or find_arg(ctx.call, loader.revision) is not None:
        return None
    pin = ctx.pin(ref, None)
    if pin is None:
        ctx.hints.append(how_to_pin(ref))
        return None
    name = loader.revision.kw[0]
    new_call = append_arg(ctx.call, keyword_arg(name, cst.SimpleString(f'"{pin.value}"')))
    text = ctx.unit.replace(ctx.call, new_call)
    safe = ref.resolution in FIXED_RESOLUTIONS
    why = "" if safe else (f"; the id comes from {ref.provenance or ref.resolution} and can differ at run time, "
                           f"the pin is right only for {ref.model!r}")
    return Proposal(text, SAFE if safe else UNSAFE,
                    f'Pin {name}="{pin.value}" (what {_pin_source(pin)} resolves to){why}')


def fix_hf_weak_revision(ctx: FixContext) -> Proposal | None:
    """PTM102: replace a branch/tag/short-sha literal by its sha; the old value goes into a comment."""
    ref, loader = ctx.ref, ctx.loader
    if loader is None or loader.revision is None or ref.model is None:
        return None
    found = find_arg(ctx.call, loader.revision)
    if found is None or not isinstance(found[1].value, cst.SimpleString):
        return None
    old = found[1].value
    rev = literal_text(old)
    if rev is None or SHA40.fullmatch(rev):
        return None
    pin = ctx.pin(ref, rev)
    if pin is None:
        ctx.hints.append(how_to_pin(ref))
        return None
    line = ctx.unit.positions[old].end.line
    text = ctx.unit.replace(old, string_like(old, pin.value))
    text = ctx.unit.add_comment(text, line, f"was: {ctx.unit.code(old)}")
    return Proposal(text, SAFE, f"Pin the commit {pin.value} that {_pin_source(pin)} resolves to")


def fix_torch_hub_ref(ctx: FixContext) -> Proposal | None:
    """PTM103: 'owner/repo[:branch]' -> 'owner/repo:<sha>' (unsafe: torch.hub's fork check wants a tip)."""
    ref = ctx.ref
    site = _model_site(ctx)
    if site is None or site.via is not None or not ref.canonical:
        return None
    pin = ctx.pin(ref, ref.revision)
    if pin is None:
        ctx.hints.append(how_to_pin(ref))
        return None
    new = string_like(site.node, f"{ref.canonical}:{pin.value}")
    line = ctx.unit.positions[site.node].end.line
    text = ctx.unit.replace(site.node, new)
    if ref.revision:
        text = ctx.unit.add_comment(text, line, f"was: {ctx.unit.code(site.node)}")
    return Proposal(text, UNSAFE,
                    f"Pin {ref.canonical}:{pin.value} ({_pin_source(pin)}); torch.hub accepts a commit only "
                    f"while it is the tip of a branch or tag, later pass skip_validation=True or pin a tag")


def fix_versionless_handle(ctx: FixContext) -> Proposal | None:
    """PTM104: append the version the local kagglehub cache holds to a Kaggle handle or URL."""
    ref = ctx.ref
    if ref.hub != "kaggle":
        return None
    site = _model_site(ctx)
    if site is None:
        return None
    text_value = literal_text(site.node)
    if text_value is None:
        return None
    pin = ctx.pin(ref, None)
    if pin is None:
        ctx.hints.append(how_to_pin(ref))
        return None
    head, sep, query = text_value.partition("?")
    new_value = head.rstrip("/") + "/" + pin.value + sep + query
    text = ctx.unit.replace(site.node, string_like(site.node, new_value))
    return Proposal(text, SAFE, f"Pin version {pin.value} ({_pin_source(pin)}){_where(site)}")


# -- security -------------------------------------------------------------------------------------
def fix_weights_only(ctx: FixContext) -> Proposal | None:
    """PTM202: add weights_only=True where it is absent (unsafe: checkpoints with custom objects fail)."""
    call, ref = ctx.call, ctx.ref
    if find_kwarg(call, "weights_only") or find_kwarg(call, "pickle_module") or has_star_kwargs(call):
        return None
    if ref.dynamic_kwargs or "weights_only" in ref.options or "pickle_module" in ref.options:
        return None
    if any(a.star == "*" for a in call.args):
        return None
    text = ctx.unit.replace(call, append_arg(call, keyword_arg("weights_only", cst.Name("True"))))
    return Proposal(text, UNSAFE, "Add weights_only=True (checkpoints holding custom classes then fail to load: "
                                  "allow them with torch.serialization.add_safe_globals)")


def fix_use_safetensors(ctx: FixContext) -> Proposal | None:
    """PTM203: use_safetensors=False -> True (unsafe: fails when the repo has no safetensors files)."""
    found = find_kwarg(ctx.call, "use_safetensors")
    if found is None or not (isinstance(found[1].value, cst.Name) and found[1].value.value == "False"):
        return None
    text = ctx.unit.replace(found[1].value, cst.Name("True"))
    return Proposal(text, UNSAFE, "Load safetensors weights (use_safetensors=True); fails if the repo has none")


def fix_plain_http(ctx: FixContext) -> Proposal | None:
    """PTM205: http:// -> https:// in a literal URL (unsafe: the host must serve https)."""
    if not (ctx.ref.model or "").startswith("http://"):
        return None
    site = _model_site(ctx)
    if site is None:
        return None
    value = literal_text(site.node)
    if value is None or not value.startswith("http://"):
        return None
    text = ctx.unit.replace(site.node, string_like(site.node, "https://" + value[len("http://"):]))
    return Proposal(text, UNSAFE, f"Download over https://{_where(site)}")


# -- deprecation ----------------------------------------------------------------------------------
def _shown(arg: str) -> str:
    name, _, value = arg.partition("=")
    return f"{name}={value!r}" if value else f"{name}="


def fix_deprecated_argument(ctx: FixContext) -> Proposal | None:
    """PTM301: rename a renamed keyword (same value) or delete one newer releases ignore."""
    if ctx.loader is None:
        return None
    for dep in ctx.loader.deprecated:
        if not ctx.finding.message.startswith(_shown(dep.arg)):
            continue
        name, has_value, value = dep.arg.partition("=")
        found = find_kwarg(ctx.call, name)
        if found is None:
            return None
        index, arg = found
        if has_value:  # diffusers revision="fp16" -> variant="fp16"
            if name == "revision" and (dep.replacement or "").startswith("variant") and isinstance(arg.value, cst.SimpleString):
                text = ctx.unit.replace(arg, arg.with_changes(keyword=cst.Name("variant")))
                return Proposal(text, UNSAFE, f"Use variant={ctx.unit.code(arg.value)} instead of {dep.arg}")
            return None
        target = SAFE_RENAMES.get(name) or UNSAFE_RENAMES.get(name)
        if target and dep.replacement == target:
            if find_kwarg(ctx.call, target):
                return None  # both given: a human has to choose
            text = ctx.unit.replace(arg, arg.with_changes(keyword=cst.Name(target)))
            return Proposal(text, SAFE if name in SAFE_RENAMES else UNSAFE,
                            f"Rename {name}= to {target}= (same value)")
        if name in DROPPABLE and not dep.replacement:
            text = ctx.unit.replace(ctx.call, remove_arg(ctx.call, index))
            return Proposal(text, UNSAFE, f"Remove {name}= ({dep.note or 'ignored by current releases'})")
        return None
    return None


def _imported_name_statement(unit: Unit, name: str) -> cst.ImportFrom | None:
    """The `from X import ...` statement that binds `name` (X a torchvision.models module)."""
    found: list[cst.ImportFrom] = []

    class _Find(cst.CSTVisitor):
        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            if isinstance(node.names, cst.ImportStar) or node.relative:
                return
            for alias in node.names:
                bound = alias.evaluated_alias or alias.evaluated_name
                if bound == name:
                    found.append(node)

    unit.module.visit(_Find())
    return found[0] if len(found) == 1 else None


def _binds(unit: Unit, name: str) -> bool:
    """Whether `name` is already a module-level binding (imported, assigned, or star-imported)."""
    scope = unit.scopes.get(unit.module)
    if scope is not None and name in scope:
        return True

    class _Star(cst.CSTVisitor):
        star = False

        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            module = cst.Module([]).code_for_node(node.module) if node.module else ""
            if isinstance(node.names, cst.ImportStar) and module.startswith("torchvision.models"):
                _Star.star = True

    unit.module.visit(_Star())
    return _Star.star


def _add_import_name(statement: cst.ImportFrom, name: str) -> cst.ImportFrom:
    names = list(statement.names)  # type: ignore[arg-type]
    last = names[-1]
    new = cst.ImportAlias(name=cst.Name(name))
    if isinstance(last.comma, cst.Comma):
        prev_ws = names[-2].comma.whitespace_after if len(names) >= 2 and isinstance(names[-2].comma, cst.Comma) else cst.SimpleWhitespace(" ")
        names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=prev_ws))
        new = new.with_changes(comma=last.comma)
    else:
        names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    names.append(new)
    return statement.with_changes(names=names)


def fix_torchvision_pretrained(ctx: FixContext) -> Proposal | None:
    """PTM302: pretrained=True -> weights=<Enum>.<legacy member> (what it meant); False -> weights=None."""
    call, ref = ctx.call, ctx.ref
    found = find_kwarg(call, "pretrained")
    if found is None or find_kwarg(call, "weights") is not None:
        return None
    index, arg = found
    if not isinstance(arg.value, cst.Name) or arg.value.value not in ("True", "False"):
        return None
    builder = ref.model or ""
    if arg.value.value == "False":
        text = ctx.unit.replace(arg, arg.with_changes(keyword=cst.Name("weights"), value=cst.Name("None")))
        return Proposal(text, SAFE, "Replace pretrained=False with weights=None")
    enum, member = weights_enum(builder), legacy_member(builder)
    if enum is None or member is None:
        return None
    func = call.func
    description = f"Replace pretrained=True with weights={enum}.{member} (the weights pretrained=True loads)"
    if ctx.loader is not None and not ctx.loader.model_from_callee:  # get_model("resnet50", ...)
        text = ctx.unit.replace(arg, arg.with_changes(keyword=cst.Name("weights"),
                                                      value=cst.SimpleString(f'"{enum}.{member}"')))
        return Proposal(text, SAFE, description)
    if isinstance(func, cst.Attribute):
        value = cst.Attribute(value=cst.Attribute(value=func.value, attr=cst.Name(enum)), attr=cst.Name(member))
        text = ctx.unit.replace(arg, arg.with_changes(keyword=cst.Name("weights"), value=value))
        return Proposal(text, SAFE, description)
    if not isinstance(func, cst.Name):
        return None
    value = cst.Attribute(value=cst.Name(enum), attr=cst.Name(member))
    new_arg = arg.with_changes(keyword=cst.Name("weights"), value=value)
    if _binds(ctx.unit, enum):
        return Proposal(ctx.unit.replace(arg, new_arg), SAFE, description)
    statement = _imported_name_statement(ctx.unit, func.value)
    if statement is None:
        return None
    text = ctx.unit.replace_many([(arg, new_arg), (statement, _add_import_name(statement, enum))])
    return Proposal(text, SAFE, description + f", importing {enum}")


def fix_tfhub_handle(ctx: FixContext) -> Proposal | None:
    """PTM303: a tfhub.dev handle -> the Kaggle Models URL it redirects to (known mappings only)."""
    site = _model_site(ctx)
    if site is None:
        return None
    value = literal_text(site.node)
    target = kaggle_url_for(value or "")
    if target is None:
        return None
    text = ctx.unit.replace(site.node, string_like(site.node, target))
    return Proposal(text, UNSAFE, f"Use the Kaggle Models URL {target}{_where(site)} (a different download and cache)")


def fix_legacy_id(ctx: FixContext) -> Proposal | None:
    """PTM305: a legacy un-namespaced id -> its namespaced id (the same repo, through the redirect)."""
    ref = ctx.ref
    if ref.model is None or ref.canonical is None or ref.model == ref.canonical:
        return None
    site = _model_site(ctx)
    if site is None or literal_text(site.node) != ref.model:
        return None
    text = ctx.unit.replace(site.node, string_like(site.node, ref.canonical))
    return Proposal(text, SAFE, f"Use the namespaced id {ref.canonical!r}{_where(site)}")


FIXERS: dict[str, Fixer] = {
    "PTM101": fix_hf_missing_revision,
    "PTM102": fix_hf_weak_revision,
    "PTM103": fix_torch_hub_ref,
    "PTM104": fix_versionless_handle,
    "PTM202": fix_weights_only,
    "PTM203": fix_use_safetensors,
    "PTM205": fix_plain_http,
    "PTM301": fix_deprecated_argument,
    "PTM302": fix_torchvision_pretrained,
    "PTM303": fix_tfhub_handle,
    "PTM305": fix_legacy_id,
}
PIN_RULES = frozenset({"PTM101", "PTM102", "PTM103", "PTM104"})

