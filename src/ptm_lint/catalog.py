"""Load the loader catalog (rules/loaders/*.toml) into frozen, validated records."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .core import HUBS, ROLES
from .ruledata import CatalogError, catalog_digest, files_digest, loader_files, rules_dir  # noqa: F401 - also catalog's API

# The rule data parsed ahead of time (see `parse_toml`); regenerate with `python -m ptm_lint.regenerate`.
SNAPSHOT = Path(__file__).resolve().parent / "rules_snapshot.json"
_SNAPSHOT_FORMAT = 1

SCHEMES = (
    "hf",            # Hugging Face repo id (+ revision=), also hf:// and huggingface.co URLs
    "hf_dataset",    # datasets.load_dataset: builder names and local files are not hub ids
    "torch_hub",     # "owner/repo[:ref]"
    "tf_handle",     # tfhub.dev / Kaggle / gs:// handle or local dir
    "kaggle_handle", # kagglehub "owner/model/framework/variation[/version]"
    "url",           # a download URL (pinned by a hash or an immutable ref inside it)
    "path",          # a local file (torch.load, torch.jit.load)
    "timm",          # registry name | "hf-hub:org/repo[@rev]"
    "open_clip",     # arch + pretrained tag | "hf-hub:org/repo"
    "torchvision",   # builder name + weights enum / pretrained flag
    "keras_app",     # keras.applications builder + weights="imagenet"
    "keras_preset",  # keras_hub preset name | kaggle:// | hf:// handle
    "hf_uri",        # keras.saving.load_model: "hf://org/repo" or a local path
    "alias",         # a library-defined alias (whisper "large", YOLO "yolov8n.pt", clip "ViT-B/32")
    "remote",        # remote inference endpoint (no weights are loaded locally)
    "modelscope",    # ModelScope id "org/name" (+ revision=, default branch "master"); MsDataset namespace=
    "vendor",        # a name in a publisher's own catalog outside the hubs (Roboflow, TFDS, FlashRank): pin unknown
)


# A pattern's literal first dotted segment (`transformers\.`...), if it starts with one.
_LITERAL_ROOT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\\\.")


@dataclass(frozen=True, slots=True)
class ArgSpec:
    """Where an argument may be passed: by position and/or by keyword."""

    pos: int | None = None
    kw: tuple[str, ...] = ()
    # When the argument may be an object built from a spec class (`model_spec=ModelSpec(uri=h)`):
    # where the id is among the arguments it was built with. A plain string argument is the id.
    field: ArgSpec | None = None


@dataclass(frozen=True, slots=True)
class Deprecation:
    """An argument of a loader that is deprecated or removed in some version of its package."""

    arg: str
    package: str
    since: str | None = None
    removed: str | None = None
    replacement: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Loader:
    """One loader API: how calls to it are recognised and where its model id and revision are passed."""

    id: str
    library: str
    hub: str
    role: str
    scheme: str
    patterns: tuple[str, ...]  # the `match` regexes, as written
    triggers: tuple[str, ...]
    model: ArgSpec
    revision: ArgSpec | None
    model_from_callee: bool = False
    # The id spread over a fluent chain of calls before this one, one positional argument each,
    # joined with "/": Roboflow's rf.workspace(W).project(P).version(N).download() is "W/P/N".
    model_chain: tuple[str, ...] = ()
    model_default: str | None = None
    model_prefix: str | None = None
    args: tuple[tuple[str, ArgSpec], ...] = ()
    options: tuple[str, ...] = ()
    kwargs_dicts: tuple[str, ...] = ()
    load_if: tuple[str, ...] = ()
    unpinnable: bool = False
    # The id is always a name the library looks up on its hub, never a path (fastembed's model_name):
    # with `unpinnable`, whatever id the code passes is a mutable load.
    names_only: bool = False
    # Arguments (declared in `args`) that, given and not None, make the call read a local copy
    # instead of the hub (fastembed's specific_model_path=).
    local_if: tuple[str, ...] = ()
    returns: str = "object"  # "path" for download APIs that return a file or folder
    deprecated: tuple[Deprecation, ...] = ()
    note: str | None = None
    source: str = ""
    # A trigger that is a common word counts only in files that mention one of these (the prefilter).
    mentions: tuple[str, ...] = ()
    # How calls to it are recognised: "catalog" (its `match`), "convention" (a [[convention]] of the
    # ecosystem, matched by method name on any class) or "config" (declared in [tool.ptm-lint]).
    detection: str = "catalog"

    @property
    def match(self) -> tuple[re.Pattern[str], ...]:
        # Compiled on demand: the scanner matches with Catalog.find's one combined regex instead.
        return tuple(_compiled(p) for p in self.patterns)

    def matches(self, qualname: str) -> bool:
        return any(p.fullmatch(qualname) for p in self.match)


@functools.lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@dataclass(frozen=True, slots=True)
class Convention:
    """A loader convention the ecosystem shares (`X.from_pretrained(id, revision=...)`), recognised
    on any class: one imported from a package the catalog does not list, or defined in the repo."""

    loader: Loader  # how the id and revision are passed, hub, scheme, default role (detection "convention")
    method: str  # the name called on the class: from_pretrained, from_single_file, ...
    roles: tuple[tuple[str, str], ...] = ()  # (regex fully matching the class name, role), first wins
    exclude: tuple[str, ...] = ()  # regexes fully matching qualified names that are not loads
    # Also on a receiver no name resolution reaches (`model_class.from_pretrained(path)`, a
    # parameter or variable holding a class): for names distinctive enough to mean a load anyway.
    unresolved: bool = False

    def role_for(self, class_name: str) -> str:
        for pattern, role in self.roles:
            if _compiled(pattern).fullmatch(class_name):
                return role
        return self.loader.role

    def excludes(self, qualname: str) -> bool:
        return any(_compiled(p).fullmatch(qualname) for p in self.exclude)


@dataclass(frozen=True)
class Catalog:
    """Every loader of rules/loaders/*.toml, with the digest of their text (part of cache keys)."""

    loaders: tuple[Loader, ...]
    digest: str
    roots: frozenset[str] = field(default=frozenset())
    triggers: tuple[str, ...] = ()
    conventions: tuple[Convention, ...] = ()

    def convention(self, method: str) -> Convention | None:
        for conv in self.conventions:
            if conv.method == method:
                return conv
        return None

    def extended(self, extra: tuple[Loader, ...], digest: str) -> Catalog:
        """This catalog with `extra` loaders (a project's own, from [tool.ptm-lint]) tried first."""
        if not extra:
            return self
        roots = set(self.roots)
        for loader in extra:
            roots.update(_roots(loader))
        triggers = tuple(sorted({*self.triggers, *(t for loader in extra for t in loader.triggers)}))
        return Catalog((*extra, *self.loaders), f"{self.digest}+{digest}", frozenset(roots), triggers,
                       self.conventions)

    @property
    def mentions(self) -> dict[str, tuple[str, ...]]:
        """trigger -> the words a file must mention for a call of it to count (absent: always counts).
        A trigger shared with a loader that lists no `mentions` always counts."""
        needs: dict[str, set[str]] = {}
        always: set[str] = set()
        for loader in (*self.loaders, *(c.loader for c in self.conventions)):
            for trigger in loader.triggers:
                if loader.mentions:
                    needs.setdefault(trigger, set()).update(loader.mentions)
                else:
                    always.add(trigger)
        return {t: tuple(sorted(words)) for t, words in sorted(needs.items()) if t not in always}

    def __post_init__(self) -> None:
        # Patterns in catalog order, each with the literal first segment it starts with ("" when it
        # starts with a group or a class): a name is tried against its root's patterns and the
        # generic ones, in catalog order, as one alternation (which takes the first alternative
        # that matches, so one fullmatch answers "which loader"); a regex over every pattern
        # would try hundreds of alternatives that cannot match on each name.
        entries = []
        for loader in self.loaders:
            for pattern in loader.patterns:
                head = _LITERAL_ROOT.match(pattern)
                entries.append((head.group(1) if head else "", pattern, loader))
        object.__setattr__(self, "_entries", tuple(entries))
        object.__setattr__(self, "_by_root", {})  # root -> (compiled alternation, owners), on first use
        object.__setattr__(self, "_memo", {})

    def _matcher(self, root: str) -> tuple[re.Pattern[str], tuple[Loader, ...]] | None:
        by_root: dict[str, tuple[re.Pattern[str], tuple[Loader, ...]] | None] = self._by_root  # type: ignore[attr-defined]
        if root not in by_root:
            mine = [(p, loader) for head, p, loader in self._entries if head in ("", root)]  # type: ignore[attr-defined]
            by_root[root] = (re.compile("|".join(f"(?P<g{i}>{p})" for i, (p, _) in enumerate(mine))),
                             tuple(loader for _, loader in mine)) if mine else None
        return by_root[root]

    def find(self, qualname: str) -> Loader | None:
        memo: dict[str, Loader | None] = self._memo  # type: ignore[attr-defined]
        if qualname in memo:
            return memo[qualname]
        found = None
        root = qualname.split(".", 1)[0]
        if root in self.roots:
            matcher = self._matcher(root)
            match = matcher[0].fullmatch(qualname) if matcher is not None else None
            if match is not None and match.lastgroup:
                found = matcher[1][int(match.lastgroup[1:])]  # type: ignore[index]
        memo[qualname] = found
        return found

    def by_id(self, loader_id: str) -> Loader | None:
        for loader in self.loaders:
            if loader.id == loader_id:
                return loader
        for conv in self.conventions:
            if conv.loader.id == loader_id:
                return conv.loader
        return None


def _argspec(raw: Any, where: str) -> ArgSpec:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: expected a table like {{pos = 0, kw = [...]}}")
    pos = raw.get("pos")
    kw = raw.get("kw", [])
    if isinstance(kw, str):
        kw = [kw]
    if pos is not None and not isinstance(pos, int):
        raise CatalogError(f"{where}: pos must be an integer")
    inner = raw.get("field")
    return ArgSpec(pos=pos, kw=tuple(kw), field=_argspec(inner, f"{where}.field") if inner is not None else None)


_LOADER_KEYS = {
    "id", "library", "hub", "role", "scheme", "match", "triggers", "model", "revision", "args",
    "options", "kwargs_dicts", "load_if", "local_if", "unpinnable", "names_only", "deprecated", "note", "returns", "mentions",
}
_CONVENTION_KEYS = (_LOADER_KEYS - {"match", "triggers", "mentions", "library", "deprecated"}) | {
    "method", "roles", "exclude", "unresolved"}


def _loader(raw: dict[str, Any], source: str, *, checked: bool = False, detection: str = "catalog",
            keys: frozenset[str] | set[str] = _LOADER_KEYS) -> Loader:
    """One [[loader]] table; `checked`: its regexes are known to compile (snapshot data)."""
    where = f"{source}: loader {raw.get('id', '?')!r}"
    unknown = set(raw) - keys
    if unknown:
        raise CatalogError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("id", "library", "hub", "role", "scheme", "match", "triggers", "model"):
        if key not in raw:
            raise CatalogError(f"{where}: missing {key!r}")
    for key in ("match", "triggers", "options", "kwargs_dicts", "load_if", "local_if", "mentions"):
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise CatalogError(f"{where}: {key} must be a list of strings")
    for key in ("id", "library", "hub", "role", "scheme"):
        if not isinstance(raw[key], str):
            raise CatalogError(f"{where}: {key} must be a string")
    if not isinstance(raw["model"], dict):
        raise CatalogError(f"{where}: model must be a table like {{pos = 0, kw = [...]}}")
    if raw["hub"] not in HUBS:
        raise CatalogError(f"{where}: hub must be one of {HUBS}")
    if raw["role"] not in ROLES:
        raise CatalogError(f"{where}: role must be one of {ROLES}")
    if raw.get("returns", "object") not in ("object", "path"):
        raise CatalogError(f"{where}: returns must be 'object' or 'path'")
    if raw["scheme"] not in SCHEMES:
        raise CatalogError(f"{where}: scheme must be one of {SCHEMES}")
    for name in raw.get("local_if", []):
        if name not in raw.get("args", {}):
            raise CatalogError(f"{where}: local_if names {name!r}, which is not one of its args")
    patterns = tuple(raw["match"])
    if not checked:
        try:
            for pattern in patterns:
                _compiled(pattern)
        except re.error as exc:
            raise CatalogError(f"{where}: bad match regex: {exc}") from exc
    model_raw = dict(raw["model"])
    callee = bool(model_raw.pop("callee", False))
    chain = model_raw.pop("chain", [])
    if not isinstance(chain, list) or not all(isinstance(c, str) and c.isidentifier() for c in chain):
        raise CatalogError(f"{where}: model.chain must be a list of method names")
    default = model_raw.pop("default", None)
    prefix = model_raw.pop("prefix", None)
    deprecated = tuple(
        Deprecation(
            arg=d["arg"],
            package=d.get("package", raw["library"]),
            since=d.get("since"),
            removed=d.get("removed"),
            replacement=d.get("replacement"),
            note=d.get("note"),
        )
        for d in raw.get("deprecated", [])
    )
    return Loader(
        id=raw["id"],
        library=raw["library"],
        hub=raw["hub"],
        role=raw["role"],
        scheme=raw["scheme"],
        patterns=patterns,
        triggers=tuple(raw["triggers"]),
        mentions=tuple(raw.get("mentions", ())),
        model=_argspec(model_raw, f"{where} model"),
        revision=_argspec(raw["revision"], f"{where} revision") if "revision" in raw else None,
        model_from_callee=callee,
        model_chain=tuple(chain),
        model_default=default,
        model_prefix=prefix,
        args=tuple(
            (name, _argspec(spec, f"{where} args.{name}")) for name, spec in raw.get("args", {}).items()
        ),
        options=tuple(raw.get("options", ())),
        kwargs_dicts=tuple(raw.get("kwargs_dicts", ())),
        load_if=tuple(raw.get("load_if", ())),
        local_if=tuple(raw.get("local_if", ())),
        unpinnable=bool(raw.get("unpinnable", False)),
        names_only=bool(raw.get("names_only", False)),
        returns=raw.get("returns", "object"),
        deprecated=deprecated,
        note=raw.get("note"),
        source=source,
        detection=detection,
    )


def _convention(raw: dict[str, Any], source: str, *, checked: bool = False) -> Convention:
    """One [[convention]] table: a loader without `match`, recognised by `method` on any class."""
    where = f"{source}: convention {raw.get('id', '?')!r}"
    unknown = set(raw) - _CONVENTION_KEYS
    if unknown:
        raise CatalogError(f"{where}: unknown keys {sorted(unknown)}")
    method = raw.get("method")
    if not isinstance(method, str) or not method.isidentifier():
        raise CatalogError(f"{where}: method must be a name such as 'from_pretrained'")
    roles = []
    for entry in raw.get("roles", []):
        if not isinstance(entry, dict) or set(entry) != {"match", "role"} or entry["role"] not in ROLES:
            raise CatalogError(f"{where}: roles entries are {{match = '<class name regex>', role = <one of {ROLES}>}}")
        roles.append((entry["match"], entry["role"]))
    exclude = tuple(raw.get("exclude", ()))
    if not checked:
        try:
            for pattern in (*exclude, *(p for p, _ in roles)):
                _compiled(pattern)
        except re.error as exc:
            raise CatalogError(f"{where}: bad regex: {exc}") from exc
    unresolved = raw.get("unresolved", False)
    if not isinstance(unresolved, bool):
        raise CatalogError(f"{where}: unresolved must be true or false")
    body = {k: v for k, v in raw.items() if k not in ("method", "roles", "exclude", "unresolved")}
    body.update(library="", match=[], triggers=[method])
    loader = _loader(body, source, checked=True, detection="convention", keys=_LOADER_KEYS)
    return Convention(loader, method, tuple(roles), exclude, unresolved)


def _roots(loader: Loader) -> set[str]:
    out = set()
    for pattern in loader.patterns:
        root = re.match(r"[\w]+", pattern.replace("\\.", "."))
        if root is None:
            raise CatalogError(f"{loader.source}: loader {loader.id!r}: match must start with a module name")
        out.add(root.group(0))
    return out


def load_catalog(directory: Path | None = None) -> Catalog:
    """Read every rules/loaders/*.toml file; raise CatalogError on malformed data."""
    files = loader_files(directory)
    loaders: list[Loader] = []
    conventions: list[Convention] = []
    for path, data in files:
        doc, checked = _parse(data.decode("utf-8"), path.name)
        for raw in doc.get("loader", []):
            loaders.append(_loader(raw, path.name, checked=checked))
        for raw in doc.get("convention", []):
            conventions.append(_convention(raw, path.name, checked=checked))
    ids = [loader.id for loader in (*loaders, *(c.loader for c in conventions))]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise CatalogError(f"duplicate loader ids: {dupes}")
    methods = [c.method for c in conventions]
    if len(set(methods)) != len(methods):
        raise CatalogError(f"more than one convention per method: {sorted(methods)}")
    roots = set()
    for loader in loaders:
        roots.update(_roots(loader))
    triggers = tuple(sorted({t for loader in (*loaders, *(c.loader for c in conventions)) for t in loader.triggers}))
    return Catalog(tuple(loaders), files_digest(files), frozenset(roots), triggers, tuple(conventions))


@functools.lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    return load_catalog()


# --- a project's own loaders ([[tool.ptm-lint.loaders]]) -----------------------------------------
_USER_KEYS = (_LOADER_KEYS - {"deprecated"}) | {"api"}
_USER_DEFAULTS = {"hub": "huggingface", "role": "model", "scheme": "hf", "library": ""}


def user_loaders(tables: Any) -> tuple[dict[str, Any], ...]:
    """Validate `[[tool.ptm-lint.loaders]]` tables; return them normalised (defaults filled in,
    `api` names turned into `match` and `triggers`), ready for `catalog_for`. CatalogError names
    the table and the problem."""
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise CatalogError("loaders must be an array of tables ([[tool.ptm-lint.loaders]])")
    out = []
    ids: set[str] = set()
    for n, raw in enumerate(tables, start=1):
        where = f"loaders[{n}]" + (f" ({raw['id']!r})" if isinstance(raw.get("id"), str) else "")
        unknown = sorted(set(raw) - _USER_KEYS)
        if unknown:
            raise CatalogError(f"{where}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
                               f"(valid keys: {', '.join(sorted(_USER_KEYS))})")
        table = {**_USER_DEFAULTS, **raw}
        api = table.pop("api", None)
        if api is not None:
            if isinstance(api, str):
                api = [api]
            if not isinstance(api, list) or not api or not all(
                    isinstance(a, str) and a and all(p.isidentifier() for p in a.split(".")) for a in api):
                raise CatalogError(f"{where}: api must be a dotted name or a list of them, as imported "
                                   f"(\"acme.models.load_model\", \"acme.Encoder.from_pretrained\")")
            table["match"] = [*table.get("match", []), *(re.escape(a) for a in api)]
            table.setdefault("triggers", sorted({a.rsplit(".", 1)[-1] for a in api}))
        if "match" not in table:
            raise CatalogError(f"{where}: give api = [\"package.module.function\"] (or match regexes and triggers)")
        if "triggers" not in table:
            raise CatalogError(f"{where}: match regexes need triggers (the names calls end with)")
        if "model" not in table:
            raise CatalogError(f"{where}: missing model = {{pos = 0, kw = [...]}} (where the model id is passed)")
        table.setdefault("id", "config." + (api[0] if api else table["triggers"][0]))
        try:
            _roots(_loader(table, "[tool.ptm-lint]", detection="config", keys=_LOADER_KEYS))
        except CatalogError as exc:
            detail = str(exc).removeprefix(f"[tool.ptm-lint]: loader {table['id']!r}").lstrip(": ")
            raise CatalogError(f"{where}: {detail}") from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise CatalogError(f"{where}: malformed ({exc})") from None
        if table["id"] in ids:
            raise CatalogError(f"{where}: duplicate id {table['id']!r}")
        ids.add(table["id"])
        out.append(table)
    return tuple(out)


@functools.lru_cache(maxsize=8)
def catalog_for(loaders: str = "") -> Catalog:
    """The default catalog extended with a project's own loaders (`loaders`: the JSON text of
    `user_loaders`' tables, as config.Config.loaders holds it; "" for none)."""
    base = default_catalog()
    if not loaders:
        return base
    extra = tuple(_loader(t, "[tool.ptm-lint]", detection="config") for t in json.loads(loaders))
    return base.extended(extra, hashlib.sha256(loaders.encode()).hexdigest())


# --- the snapshot ------------------------------------------------------------------------------
# Parsing the rule data with the pure-Python tomllib is most of a small run's start-up time, so
# the parse of every rules/**/*.toml file is kept in SNAPSHOT, keyed by the sha256 of the exact
# text parsed. The TOML files stay the source: a file whose text is not in the snapshot (edited,
# or a test's own data) is parsed with tomllib, so a stale snapshot costs time, never correctness.


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """`tomllib.loads(text)`, from the snapshot when it holds this text; CatalogError if not TOML."""
    return _parse(text, source)[0]


def _parse(text: str, source: str) -> tuple[dict[str, Any], bool]:
    """(document, whether it came from the snapshot, i.e. passed load_catalog/load_rules when written)."""
    stored = _snapshot().get(_text_digest(text))
    if stored is not None:
        return json.loads(stored), True  # a fresh object per call: callers may keep or change it
    from . import tomlcompat as tomllib
    try:
        return tomllib.loads(text), False
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{source}: {exc}") from exc


def _text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=1)
def _snapshot() -> dict[str, str]:
    """sha256 of a TOML text -> its document as JSON text; empty when the snapshot is unusable."""
    try:
        data = json.loads(SNAPSHOT.read_bytes())
        if data.get("format") == _SNAPSHOT_FORMAT:
            return {digest: entry["json"] for digest, entry in data["documents"].items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        pass  # missing or damaged: every file is parsed with tomllib
    return {}


def snapshot_entries() -> dict[str, dict[str, str]]:
    """What SNAPSHOT should hold for the current rules/ directory: digest -> {source, json}.

    Every text a loader parses is covered: loaders/*.toml are parsed as decoded, the other files
    as read in text mode (universal newlines); the two differ only for a file with a \\r in it."""
    from . import tomlcompat as tomllib
    base = rules_dir()
    out: dict[str, dict[str, str]] = {}
    for path in sorted(base.rglob("*.toml")):
        raw = path.read_bytes().decode("utf-8")
        for text in (raw, raw.replace("\r\n", "\n").replace("\r", "\n")):
            doc = json.dumps(tomllib.loads(text), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            out.setdefault(_text_digest(text), {"source": path.relative_to(base).as_posix(), "json": doc})
    return out
