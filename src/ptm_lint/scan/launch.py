"""Command lines of the repository that run one of its scripts: `!torchrun scripts/train.py --config
x.yaml` in a notebook cell, `accelerate launch train.py --model_id org/m` in a shell script.

A script whose options are parsed from the command line (HfArgumentParser / TrlParser dataclasses)
gets its values from the runs the repository itself writes down, and from the YAML/JSON file such
a run passes with `--config` (or as its one positional argument): a file of the repository, or the
one a `%%writefile` cell of the same notebook writes. Nothing is run; config text is read with
`yaml.safe_load` / `json.loads` only.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from .ipython import WRITEFILE_MAGICS, written_file

# A word before the script that runs it: an interpreter or a distributed launcher.
_LAUNCHER = re.compile(r"(?:.*/)?(?:python[\d.]*|torchrun|accelerate|deepspeed|colossalai|composer|horovodrun|"
                       r"mpirun|srun|uv|poetry|pipenv)")
_SHELL_MAGICS = ("%%bash", "%%sh", "%%script bash", "%%script sh", "%%shell")
MAX_COMMAND_CHARS = 20_000  # a longer "command line" is not one a person wrote
MAX_WRITTEN_CONFIG = 1024 * 1024  # a %%writefile config is read up to the size of a config file (MAX_CONFIG_BYTES)


@dataclass(frozen=True, slots=True)
class Invocation:
    """One command line running the script: its `--name value` options (values as written; None
    for a flag without a value), the config file it passes, and where it is."""

    path: str  # the file holding the command line
    line: int  # line in the file, or in the cell for a notebook
    cell: int | None
    options: dict[str, str | None] = field(default_factory=dict)  # a "$VAR" value: set, but not known
    config: str | None = None  # the config file named, relative to the directory the run starts in
    written: dict[str, tuple[int, str]] = field(default_factory=dict)  # files %%writefile cells write
    dynamic: str | None = None  # why the command line cannot be read (shell variables, quoting)


def _logical_lines(lines: list[str]) -> list[tuple[int, str]]:
    """(index of the first line, text) with backslash continuations joined."""
    out: list[tuple[int, str]] = []
    start, buf = 0, ""
    for i, line in enumerate(lines):
        text = line.rstrip("\n")
        if not buf:
            start = i
        if text.rstrip().endswith("\\"):
            buf += text.rstrip()[:-1] + " "
            continue
        out.append((start, buf + text))
        buf = ""
    if buf:
        out.append((start, buf))
    return out


def shell_commands(path: str, data: bytes) -> tuple[list[tuple[int | None, int, str]], dict[str, tuple[int, str]]]:
    """The shell command lines of a notebook (`!cmd` lines, `%%bash` cells) or a shell script, as
    (cell, line, text); and for a notebook, the files its `%%writefile` cells write (name -> (cell,
    text)), names relative to the notebook's folder."""
    commands: list[tuple[int | None, int, str]] = []
    written: dict[str, tuple[int, str]] = {}
    if not path.endswith(".ipynb"):
        text = data.decode("utf-8", "replace")
        for first, line in _logical_lines(text.splitlines()):
            commands.append((None, first + 1, line.strip()))
        return commands, written
    try:
        doc = json.loads(data)
        cells = doc.get("cells", []) if isinstance(doc, dict) else []
    except (ValueError, RecursionError):
        return commands, written
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        lines = text.splitlines()
        if not lines:
            continue
        head = lines[0].strip()
        words = head[2:].split(None, 1) if head.startswith("%%") else []
        if words and words[0] in WRITEFILE_MAGICS:
            name = written_file(words[1] if len(words) > 1 else "")
            if name:
                written[posixpath.normpath(name)] = (index, "\n".join(lines[1:]) + "\n")
            continue
        shell_cell = head.startswith(_SHELL_MAGICS)
        for first, line in _logical_lines(lines[1:] if shell_cell else lines):
            stripped = line.strip()
            if shell_cell:
                commands.append((index, first + 2, stripped))
            elif stripped.startswith("!") and not stripped.startswith("!!"):
                commands.append((index, first + 1, stripped[1:].strip()))
            elif stripped.startswith("%sx ") or stripped.startswith("%system "):
                commands.append((index, first + 1, stripped.split(None, 1)[1]))
    return commands, written


def runs_of(script: str, path: str, data: bytes) -> list[Invocation]:
    """The command lines of file `path` (a notebook or shell script) that run `script` (a path
    relative to the root), each with its options."""
    name = posixpath.basename(script)
    if name.encode() not in data:
        return []
    commands, written = shell_commands(path, data)
    here = posixpath.dirname(path)
    out: list[Invocation] = []
    for cell, line, text in commands:
        if name not in text or len(text) > MAX_COMMAND_CHARS:
            continue
        for command in re.split(r"\s*(?:&&|\|\||;)\s*", text):
            inv = _invocation(command, script, here, path, cell, line, written)
            if inv is not None:
                out.append(inv)
    return out


def _invocation(command: str, script: str, here: str, path: str, cell: int | None, line: int,
                written: dict[str, tuple[int, str]]) -> Invocation | None:
    name = posixpath.basename(script)
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        words = None
    raw = command.split()
    at = next((i for i, w in enumerate(words or raw) if posixpath.basename(w) == name), None)
    if at is None or not any(_LAUNCHER.fullmatch(w) for w in (words or raw)[:at]):
        return None
    target = (words or raw)[at]
    if not any(posixpath.normpath(posixpath.join(base, target)) == script for base in (here, "")):
        return None  # another script of that name
    if words is None:
        return Invocation(path, line, cell, dynamic=f"a command line that does not parse ({command[:80]!r})")
    args = words[at + 1:]
    if any(re.search(r"\$\{?[@*]|`|\$\(", w) for w in args):
        # "$@" passes the wrapper's own arguments on: any option may be set there.
        return Invocation(path, line, cell, dynamic="a command line passing on arguments not written in it")
    options: dict[str, str | None] = {}
    positional: list[str] = []
    i = 0
    while i < len(args):
        word = args[i]
        if word in (">", ">>", "2>", "2>&1", "|", "&"):
            break
        if word.startswith("--") and len(word) > 2:
            key, eq, value = word[2:].partition("=")
            if not eq:
                if i + 1 < len(args) and not args[i + 1].startswith("--"):
                    value = args[i + 1]
                    i += 1
                else:
                    value = None  # a flag: --bf16
            options[key.replace("-", "_")] = value
        else:
            positional.append(word)
        i += 1
    config = options.pop("config", None)
    if config is None and len(positional) == 1 and positional[0].lower().endswith((".yaml", ".yml", ".json")):
        config = positional[0]  # HfArgumentParser's parse_yaml_file / parse_json_file(sys.argv[1])
    return Invocation(path, line, cell, options, config, written)


def parse_config_text(name: str, text: str) -> Any:
    """A config file's data (YAML or JSON by its name), or None when it does not parse."""
    if len(text) > MAX_WRITTEN_CONFIG:
        return None
    try:
        if name.lower().endswith(".json"):
            return json.loads(text)
        import yaml  # lazy: only repos that read YAML configs pay for it

        return yaml.safe_load(text)
    except Exception:  # noqa: BLE001 - a broken config just means "unknown"
        return None
