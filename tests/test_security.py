"""Security guarantees (docs/security.md), each with its test.

1. Nothing from the scanned repository is imported or executed, and nothing is unpickled: every
   subcommand and format runs over a hostile repository (code, notebooks, configs, setup.py,
   pickles, a Hugging Face cache full of pickles) under a CPython audit hook, in serial and in
   parallel mode; any exec of the repo's code, import from it, unpickling, process start, network
   access or write into the repo is recorded, and every file would leave a marker if it ran.
2. Hub tokens (in code, in HF_TOKEN) never appear in outputs, logs or caches; PTM206 masks them.
3. Every output format escapes untrusted strings.
4. The metadata cache ignores corrupt or tampered entries.
5. `--online` talks only to the configured endpoint; without it, nothing touches the network.
"""

from __future__ import annotations

import html.parser
import json
import os
import pickle
import re
import socket
import subprocess
import sys
import textwrap
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ptm_lint import cli
from ptm_lint.check.rulebook import RuleMeta
from ptm_lint.core import FileError, Finding, Reference, Report
from ptm_lint.scan.project import ModuleIndex

REPO = Path(__file__).resolve().parents[1]
TOKEN = "hf_" + "Tk9sEcReT" * 4  # shaped like a user access token
ORG_TOKEN = "api_org_" + "Zq8" * 11
ENV_TOKEN = "hf_" + "EnvOnly7" * 5  # only ever in the environment


def _subcommands() -> dict[str, list[str] | None]:
    """Subcommands that scan paths, with their --format choices (None: no --format)."""
    parser = cli.build_parser()
    subs = next(a for a in parser._actions if a.dest == "command").choices
    out = {}
    for name, sub in subs.items():
        dests = {a.dest for a in sub._actions}
        if "paths" not in dests:
            continue
        fmt = next((a for a in sub._actions if a.dest == "format"), None)
        out[name] = list(fmt.choices) if fmt is not None and fmt.choices else None
    return out


def _has_option(command: str, option: str) -> bool:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices.get(command)
    return sub is not None and any(option in a.option_strings for a in sub._actions)


# --------------------------------------------------------------------------- the hostile repository


class _Boom:
    """Unpickling this writes a marker (pickle calls builtins.exec)."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('unpickled')",))


def _marker_code(markers: Path, name: str) -> str:
    return f"open({str(markers / name)!r}, 'w').write('executed')\n"


def build_hostile_repo(root: Path, markers: Path, hf_home: Path, *, padding: int = 0) -> None:
    markers.mkdir(parents=True, exist_ok=True)
    root.mkdir(parents=True)

    def write(rel: str, text: str) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def code(name: str) -> str:
        return _marker_code(markers, name)

    write("pyproject.toml", textwrap.dedent("""\
        [build-system]
        requires = ["setuptools", "evil-build-backend"]
        build-backend = "evil_backend"
        [project]
        name = "hostile"
        version = "0"
        dependencies = ["torch<2.0", "transformers"]
        [tool.ptm-lint]
        select = ["ALL"]
        """))
    write("setup.py", code("setup.py") + "from setuptools import setup\nsetup(name='hostile')\n")
    write("setup.cfg", "[metadata]\nname = hostile\nversion = attr: hostile.__version__\n")
    write("requirements.txt", "-e .\n--index-url http://127.0.0.2:1/simple\n-r more.txt\n"
          "evil @ file:///nonexistent\ntorch==1.13\n")
    write("more.txt", "transformers==4.30\n")
    write("environment.yml", "name: x\ndependencies:\n  - !!python/object/apply:os.system ['touch "
          + str(markers / "environment.yml") + "']\n  - pip:\n    - torch\n")
    write("conftest.py", code("conftest.py"))
    write("sitecustomize.py", code("sitecustomize.py"))
    write("usercustomize.py", code("usercustomize.py"))
    write("__main__.py", code("__main__.py"))
    write("evil.pth", "import os; " + code("evil.pth"))
    write("hostile/__init__.py", code("hostile/__init__.py") + "__version__ = '1'\n")
    write("hostile/settings.py", code("hostile/settings.py") + 'MODEL = "org/from-settings"\n'
          'REVISION = "' + "a" * 40 + '"\n')
    write("hostile/app.py", code("hostile/app.py") + textwrap.dedent(f"""\
        import json
        import os
        import pickle

        import torch
        import yaml
        from transformers import AutoModel, AutoTokenizer, pipeline
        from huggingface_hub import hf_hub_download, login

        from hostile.settings import MODEL, REVISION

        TOKEN = "{TOKEN}"
        login(token="{TOKEN}")
        cfg = yaml.load(open("configs/model.yaml"), Loader=yaml.Loader)
        serving = json.load(open("configs/serving.json"))
        m1 = AutoModel.from_pretrained(MODEL, revision=REVISION, token=TOKEN)
        m2 = AutoModel.from_pretrained(cfg["model"])
        m3 = AutoModel.from_pretrained(serving["model"], token="{ORG_TOKEN}")
        m4 = AutoModel.from_pretrained("{TOKEN}")  # a token pasted where the id goes
        m5 = AutoModel.from_pretrained(f"org/{{TOKEN}}", revision=TOKEN)
        tok = AutoTokenizer.from_pretrained("org/tok", use_auth_token="{TOKEN}")
        p = hf_hub_download("org/x", "pytorch_model.bin", token=os.environ.get("HF_TOKEN", "{TOKEN}"))
        state = torch.load("weights/model.pt")
        obj = pickle.load(open("weights/model.pkl", "rb"))
        clf = pipeline("text-classification", model="org/clf", trust_remote_code=True)
        local = AutoModel.from_pretrained("org/cached", cache_dir="hf-cache")
        """))
    # A Hugging Face cache inside the repo (named by cache_dir= above), booby-trapped: reading a
    # link to /dev/zero never ends, opening a FIFO blocks.
    cached = root / "hf-cache" / "models--org--cached"
    (cached / "refs").mkdir(parents=True)
    os.symlink("/dev/zero", cached / "refs" / "main")
    snapshot = cached / "snapshots" / ("f" * 40)
    snapshot.mkdir(parents=True)
    os.mkfifo(snapshot / "config.json")
    os.symlink("/dev/zero", snapshot / "README.md")
    write("hostile/cookie.py", f"# -*- coding: {TOKEN} -*-\n" + "from transformers import AutoModel\n"
          "AutoModel.from_pretrained('org/cookie')\n")
    write("hostile/broken.py", f"x = '{TOKEN}\nAutoModel.from_pretrained('org/broken'\n")
    write("configs/model.yaml", "model: !!python/object/apply:os.system ['touch "
          + str(markers / "model.yaml") + "']\nname: org/yaml\n")
    write("configs/serving.json", json.dumps({"model": "org/serving", "token": TOKEN}))
    write("configs/settings.toml", f'model = "org/toml"\ntoken = "{TOKEN}"\n')
    nb_code = [
        "import os\n", code("nb-cell"), "!touch " + str(markers / "nb-shell") + "\n",
        "%run hostile/app.py\n", f'TOKEN = "{TOKEN}"\n',
        "from transformers import AutoModel\n", 'AutoModel.from_pretrained("org/nb", token=TOKEN)\n',
    ]
    write("notebooks/nb.ipynb", json.dumps({
        "cells": [
            {"cell_type": "code", "metadata": {}, "outputs": [
                {"output_type": "stream", "name": "stdout", "text": [f"token {TOKEN}\n"]}],
             "source": nb_code},
            {"cell_type": "code", "metadata": {}, "outputs": [],
             "source": ["%%bash\n", "touch " + str(markers / "nb-bash") + "\n"]},
            {"cell_type": "markdown", "metadata": {}, "source": [f"token: {TOKEN}"]},
        ],
        "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5,
    }))
    # Weights and pickles: reading them would run the payload.
    for name in ("model.pkl", "pytorch_model.bin", "model.ckpt", "model.joblib", "model.h5",
                 "model.safetensors", "saved_model.pb", "model.npy"):
        (root / "weights").mkdir(exist_ok=True)
        (root / "weights" / name).write_bytes(pickle.dumps(_Boom(markers / name), protocol=2))
    with zipfile.ZipFile(root / "weights" / "model.pt", "w") as z:  # torch.save's zip layout
        z.writestr("archive/data.pkl", pickle.dumps(_Boom(markers / "model.pt/data.pkl"), protocol=2))
    for i in range(padding):  # enough files for the process pool
        write(f"pad/p{i:03}.py", code(f"pad{i}") + f'from transformers import AutoModel\nAutoModel.from_pretrained("org/pad{i}")\n')
    # A Hugging Face cache whose files are pickles too (ptm-lint reads refs, names, JSON only).
    sha = "b" * 40
    repo = hf_home / "hub" / "models--org--from-settings"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(sha)
    snap = repo / "snapshots" / sha
    snap.mkdir(parents=True)
    (snap / "pytorch_model.bin").write_bytes(pickle.dumps(_Boom(markers / "hf-cache.bin"), protocol=2))
    (snap / "config.json").write_text(json.dumps({"auto_map": {"AutoModel": "org/evil--m.M"}}))
    (snap / "README.md").write_text("---\nlicense: !!python/object/apply:os.system ['touch "
                                    + str(markers / "card") + "']\n---\n")


RUNNER = textwrap.dedent("""\
    import json, os, sys
    ROOT = os.path.realpath(sys.argv[1])
    LOG = sys.argv[2]
    RUNS = json.loads(sys.argv[3])
    fd = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
    PROCESS_EVENTS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                      "os.startfile", "pty.spawn", "os.fork", "os.forkpty"}
    NET_EVENTS = {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
                  "socket.sendto", "socket.bind"}

    def record(*what):
        os.write(fd, (json.dumps([os.getpid(), *[str(w) for w in what]]) + "\\n").encode())

    def under_root(path):
        if not path:
            return False
        try:
            path = os.path.realpath(os.fsdecode(path))
        except Exception:
            return False
        return path == ROOT or path.startswith(ROOT + os.sep)

    def hook(event, args):
        if event == "exec":
            filename = getattr(args[0], "co_filename", "")
            if os.path.isabs(filename) and under_root(filename):
                record("exec", filename)
        elif event == "open":
            path, mode, flags = (list(args) + [None, None, None])[:3]
            if isinstance(path, (str, bytes)) and under_root(path):
                writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                    isinstance(flags, int) and flags & WRITE_FLAGS)
                if writing:
                    record("write", path, mode, flags)
        elif event == "pickle.find_class":
            record("unpickle", args[0], args[1])
        elif event in PROCESS_EVENTS:
            record("process", event, args[0] if args else "")
        elif event in NET_EVENTS:
            record("network", event, args)
        elif event == "ctypes.dlopen" and args and args[0] and under_root(args[0]):
            record("dlopen", args[0])  # a shared library from the repo

    sys.addaudithook(hook)
    from ptm_lint.cli import main
    for argv in RUNS:
        rc = main(argv)
        record("rc", json.dumps(argv), rc)
    for name, module in list(sys.modules.items()):
        filename = getattr(module, "__file__", None) or ""
        if os.path.isabs(filename) and under_root(filename):
            record("module", name, module.__file__)
    """)

# Unpickling that is ours: results sent back by worker processes (ptm-lint's own records).
_OWN_PICKLES = ("ptm_lint.", "concurrent.futures", "multiprocessing", "copyreg", "collections")
_SAFE_BUILTINS = {"frozenset", "set", "tuple", "list", "dict", "str", "int", "float", "bool", "bytes",
                  "complex", "slice", "range", "object", "type", "bytearray", "getattr"}


class Harness:
    def __init__(self, base: Path, parallel: bool) -> None:
        self.base = base
        self.root = base / "repo"
        self.markers = base / "markers"
        self.hf_home = base / "hf-home"
        self.out = base / "out"
        self.out.mkdir()
        build_hostile_repo(self.root, self.markers, self.hf_home, padding=60 if parallel else 0)
        jobs = ["--jobs", "2" if parallel else "1"]
        runs: list[list[str]] = []
        for command, formats in _subcommands().items():
            if parallel:  # the pool is what is under test here; the formats are covered serially
                formats = [f for f in formats or [None] if f in (None, "json", "cyclonedx-json")][:1] or [None]
            for fmt in formats or [None]:
                target = self.out / f"{command}.{fmt or 'out'}"
                argv = [command, str(self.root), "-o", str(target), *jobs]
                if command in ("lock", "verify"):  # writing the lock is lock's job: here, outside the repo
                    argv += ["--lock-file", str(self.out / "ptm-lint.lock")]
                if fmt:
                    argv += ["--format", fmt]
                runs.append(argv)
        if _has_option("check", "--diff"):
            runs.append(["check", str(self.root), "--diff", *jobs])
        runs.append(["rules"])
        self.runs = runs
        self.log = base / "audit.log"
        runner = base / "runner.py"  # outside the repo: sys.path[0] is not the repo
        runner.write_text(RUNNER, encoding="utf-8")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("HF_", "HUGGING", "PYTHONPATH", "XDG_", "PTM_LINT_"))}
        env.update(HF_HOME=str(self.hf_home), XDG_CACHE_HOME=str(base / "xdg-cache"), HOME=str(base / "home"),
                   HF_TOKEN=ENV_TOKEN, HUGGING_FACE_HUB_TOKEN=ENV_TOKEN, HF_ENDPOINT="http://127.0.0.1:9",
                   PYTHONDONTWRITEBYTECODE="1")
        proc = subprocess.run([sys.executable, str(runner), str(self.root), str(self.log), json.dumps(runs)],
                              cwd=self.root, env=env, capture_output=True, timeout=300)
        self.proc = proc
        self.stdout = proc.stdout.decode("utf-8", "replace")
        self.stderr = proc.stderr.decode("utf-8", "replace")
        self.events = [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]

    def kinds(self, kind: str) -> list[list[str]]:
        return [e[1:] for e in self.events if e[1] == kind]


@pytest.fixture(scope="module", params=["serial", "parallel"])
def harness(request, tmp_path_factory) -> Harness:
    h = Harness(tmp_path_factory.mktemp(request.param), parallel=request.param == "parallel")
    assert h.proc.returncode == 0, h.stderr[-3000:]
    return h


def test_every_run_completed(harness: Harness) -> None:
    codes = {e[1]: int(e[2]) for e in harness.kinds("rc")}
    assert len(codes) == len(harness.runs), harness.stderr[-3000:]
    assert all(code in (0, 1) for code in codes.values()), (codes, harness.stderr[-3000:])


def test_no_scanned_file_is_executed_or_imported(harness: Harness) -> None:
    assert not list(harness.markers.rglob("*")), "code from the scanned repo ran"
    assert not harness.kinds("exec"), harness.kinds("exec")
    assert not harness.kinds("module"), harness.kinds("module")
    assert not harness.kinds("dlopen"), harness.kinds("dlopen")


def test_nothing_is_unpickled(harness: Harness) -> None:
    foreign = [e for e in harness.kinds("unpickle")
               if not (e[1].startswith(_OWN_PICKLES) or (e[1] == "builtins" and e[2] in _SAFE_BUILTINS))]
    assert not foreign, foreign
    assert not any(harness.markers.rglob("*")), list(harness.markers.rglob("*"))


def test_no_processes_network_or_writes_into_the_repo(harness: Harness) -> None:
    started = [e for e in harness.kinds("process") if e[1] != "os.fork"]  # fork: the worker pool
    assert not started, started
    assert not harness.kinds("network"), harness.kinds("network")
    assert not harness.kinds("write"), harness.kinds("write")


def test_tokens_never_appear_in_outputs_logs_or_caches(harness: Harness) -> None:
    texts = {"stdout": harness.stdout, "stderr": harness.stderr}
    for path in [*harness.out.rglob("*"), *(harness.base / "xdg-cache").rglob("*"), *(harness.base / "home").rglob("*")]:
        if path.is_file():
            texts[str(path)] = path.read_bytes().decode("utf-8", "replace")
    for where, text in texts.items():
        for secret in (TOKEN, ORG_TOKEN, ENV_TOKEN, TOKEN[3:], ENV_TOKEN[3:]):
            assert secret not in text, f"a token leaked into {where}"
    check_json = harness.out / "check.json"
    findings = json.loads(check_json.read_text(encoding="utf-8"))["findings"]
    ptm206 = [f for f in findings if f["rule"] == "PTM206"]
    assert ptm206 and all("hf_****" in f["message"] or "api_org_****" in f["message"] for f in ptm206)
    assert {f["path"] for f in ptm206} >= {"hostile/app.py", "notebooks/nb.ipynb"}


# --------------------------------------------------------------------------- unit-level: no exec, safe YAML


def test_module_index_and_config_reading_never_execute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    markers = tmp_path / "markers"
    root = tmp_path / "repo"
    build_hostile_repo(root, markers, tmp_path / "hf")

    def forbidden(*args, **kwargs):
        raise AssertionError("only yaml.safe_load may read a scanned file")

    real_load = yaml.load

    def safe_only(stream, Loader):  # noqa: N803 - yaml's own parameter name
        if Loader not in (yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            raise AssertionError(f"yaml.load with {Loader.__name__}: only safe loading is allowed")
        return real_load(stream, Loader)

    monkeypatch.setattr(yaml, "load", safe_only)  # yaml.safe_load calls load(stream, SafeLoader)
    for name in ("full_load", "unsafe_load", "unsafe_load_all", "full_load_all"):
        monkeypatch.setattr(yaml, name, forbidden)
    for name in ("load", "loads"):
        monkeypatch.setattr(pickle, name, forbidden)
    index = ModuleIndex(root)
    ev = index.evaluator("hostile.settings", 1)
    assert ev is not None and "hostile/settings.py" in index.dependencies()
    assert index.read_config("configs/model.yaml", "hostile/app.py") is None  # python tags: refused
    (root / "configs" / "plain.yaml").write_text("model: org/plain\n", encoding="utf-8")
    assert index.read_config("configs/plain.yaml", "hostile/app.py") == ("configs/plain.yaml", {"model": "org/plain"})
    assert index.read_config("weights/model.pkl", "hostile/app.py") is None
    assert not list(markers.rglob("*"))


# --------------------------------------------------------------------------- output escaping

EVIL = {
    "path": "src/<script>alert(1)<\u2215script>\n::error::x\x1b[2J\u202e|`[a](javascript:alert(1))`.py",
    "model": "org/<img src=x onerror=alert(1)>\r\n# injected heading",
    "message": "model '<b>bold</b>' | table | `code` ![img](http://evil/x.png) [link](0) \x07\u2066end",
    "error": "</script><script>alert('err')</script>\n## fake section\n" + TOKEN,
}


def _evil_report() -> Report:
    ref = Reference(
        path=EVIL["path"], cell=None, line=1, column=1, end_line=1, end_column=5,
        api="transformers.AutoModel.from_pretrained", hub="huggingface", role="model",
        model=EVIL["model"], canonical=EVIL["model"], resolution="literal",
        provenance="<provenance onload=alert(1)>", revision="<rev>", pin="mutable", options={},
    )
    rule = RuleMeta(id="PTM101", name="unpinned-hf-revision", level="warning", category="reproducibility",
                    summary="s", rationale="r", fix="f")
    finding = Finding(rule="PTM101", name="unpinned-hf-revision", level="warning", message=EVIL["message"],
                      path=EVIL["path"], cell=None, line=1, column=1, end_line=1, end_column=5,
                      model=EVIL["model"], reference=0)
    error = FileError(path=EVIL["path"] + ".err", message=EVIL["error"].replace(TOKEN, "hf_****"),
                      kind="parse", line=3)
    return Report(root="/tmp/evil root", references=(ref,), findings=(finding,), errors=(error,), rules=(rule,))


def test_json_and_sarif_keep_untrusted_strings_exact() -> None:
    from ptm_lint.report.findings_json import render_json
    from ptm_lint.report.inventory import render_json as inventory_json
    from ptm_lint.report.sarif import build_sarif

    report = _evil_report()
    doc = json.loads(render_json(report))
    assert doc["findings"][0]["path"] == EVIL["path"] and doc["findings"][0]["message"] == EVIL["message"]
    assert json.loads(inventory_json(report))["references"][0]["model"] == EVIL["model"]
    sarif = build_sarif(report)
    result = sarif["runs"][0]["results"][0]
    text = result["message"]["text"]
    assert "[link](0)" not in text and "\\[link\\](0)" in text  # no embedded link to relatedLocations
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert all(0x21 <= ord(c) < 0x7F for c in uri) and "<" not in uri and "\n" not in uri


def test_text_and_github_outputs_neutralise_untrusted_strings() -> None:
    from ptm_lint.report.github import render_github
    from ptm_lint.report.inventory import render_text as inventory_text
    from ptm_lint.report.text import render_text

    report = _evil_report()
    for out in (render_text(report), inventory_text(report), render_github(report)):
        assert "\x1b" not in out and "\x07" not in out and "\r" not in out
        assert "\u202e" not in out and "\u2066" not in out
        assert not any(line.startswith(("::error::x", "# injected", "## fake")) for line in out.splitlines())
    for line in render_github(report).splitlines():
        assert line.startswith(("::warning ", "::error ", "::notice "))


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def test_markdown_escapes_untrusted_strings() -> None:
    markdown = pytest.importorskip("ptm_lint.report.markdown", reason="Markdown reporter not built yet")
    out = markdown.render_markdown(_evil_report())
    # Code spans and fenced blocks show their content literally: check what is outside them.
    prose = re.sub(r"^```.*?^```", "", out, flags=re.S | re.M)
    prose = re.sub(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", "", prose)
    assert "<script" not in prose and "<img" not in prose and "<b>" not in prose
    assert "](javascript:" not in prose and "![img](" not in prose
    for line in out.splitlines():  # data cannot start a line: no injected headings or commands
        assert not line.startswith(("# injected", "## fake", "::error"))
    assert TOKEN not in out and "\x1b" not in out and "\u202e" not in out


def test_html_escapes_untrusted_strings() -> None:
    html_mod = pytest.importorskip("ptm_lint.report.html", reason="HTML reporter not built yet")
    out = html_mod.render_html(_evil_report())
    parser = _Tags()
    parser.feed(out)
    assert not [t for t, _ in parser.tags if t == "img"]  # `<img onerror>` in a model id stayed text
    for tag, attrs in parser.tags:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        for name in ("href", "src", "action", "formaction"):
            assert not (attrs.get(name) or "").strip().lower().startswith(("javascript:", "data:text")), (tag, attrs)
    # `</script><script>alert('err')</script>` in an error message did not open a script of its own.
    assert not [s for s in parser.scripts if s.strip() in ("alert('err')", "alert(1)")]
    assert "<img src=x" not in out
    assert TOKEN not in out


# --------------------------------------------------------------------------- metadata cache


def _meta(**overrides):
    from ptm_lint.hub.model import ModelMeta

    fields = dict(repo_id="org/m", requested="org/m", revision=None, source="hub", sha="c" * 40,
                  license="mit", fetched_at=1_000_000.0)
    fields.update(overrides)
    return ModelMeta(**fields)


def test_metadata_cache_ignores_corrupt_or_tampered_entries(tmp_path: Path) -> None:
    store_mod = pytest.importorskip("ptm_lint.hub.store", reason="metadata cache not built yet")
    store = store_mod.MetaStore(tmp_path / "cache", "https://hub.example", now=lambda: 1_000_100.0)
    assert store.put(_meta())
    good = store.get("model", "org/m", None)
    assert good is not None and good.sha == "c" * 40
    path = store.path("model", "org/m", None)
    original = path.read_bytes()
    marker = tmp_path / "unpickled"
    other = store_mod.MetaStore(tmp_path / "cache", "https://other.example", now=lambda: 1_000_100.0)
    assert other.put(_meta(repo_id="org/x", requested="org/x"))
    foreign = other.path("model", "org/x", None).read_bytes()
    doc = json.loads(original)
    tampered = {
        "garbage": b"\x00\xff garbage",
        "truncated": original[: len(original) // 2],
        "empty": b"",
        "pickle": pickle.dumps(_Boom(marker), protocol=2),
        "not an object": b"[1, 2, 3]",
        "wrong schema": json.dumps({**doc, "schema": "evil/1"}).encode(),
        "another repo's entry": foreign,
        "other key": json.dumps({**doc, "key": {**doc["key"], "repo_id": "org/evil"}}).encode(),
        "from the future": json.dumps({**doc, "meta": {**doc["meta"], "fetched_at": 9e12}}).encode(),
        "expired": json.dumps({**doc, "meta": {**doc["meta"], "fetched_at": 1.0}}).encode(),
        "bad types": json.dumps({**doc, "meta": {**doc["meta"], "sha": 42, "files": "x"}}).encode(),
        "deep": b'{"schema": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "huge": b" " * (9 * 1024 * 1024) + original,
    }
    for name, data in tampered.items():
        path.write_bytes(data)
        assert store.get("model", "org/m", None) is None, name
    path.unlink()
    path.mkdir()  # a directory where the entry goes
    assert store.get("model", "org/m", None) is None
    path.rmdir()
    path.symlink_to("/dev/zero")  # never ends
    assert store.get("model", "org/m", None) is None
    path.unlink()
    os.mkfifo(path)  # opening it would block
    assert store.get("model", "org/m", None) is None
    path.unlink()
    assert not marker.exists()
    # A token never reaches the disk.
    assert not store.put(_meta(license=TOKEN))
    assert all(TOKEN not in p.read_text(encoding="utf-8", errors="replace")
               for p in (tmp_path / "cache").rglob("*") if p.is_file())


def test_result_cache_ignores_corrupt_or_tampered_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture) -> None:
    """Whatever the per-file result cache holds, a run gives the results of a run without it."""
    import shutil

    if not _has_option("check", "--no-cache"):
        pytest.skip("no result cache yet")
    root = tmp_path / "demo-app"
    shutil.copytree(REPO / "testdata" / "demo-app", root)
    cache = tmp_path / "cache"
    monkeypatch.setenv("PTM_LINT_CACHE_DIR", str(cache))
    out = tmp_path / "out.json"

    def run(*extra: str) -> str:
        assert cli.main(["check", str(root), "--format", "json", "-o", str(out), "--jobs", "1",
                         "--exit-zero", *extra]) == 0
        return out.read_text(encoding="utf-8")

    plain = run("--no-cache")
    assert run() == plain  # cold: fills the cache
    entries = sorted(cache.rglob("*.json"))
    assert entries, "the cache stored nothing"
    originals = [p.read_bytes() for p in entries]
    marker = tmp_path / "unpickled"
    valid = json.loads(originals[0])
    evil_record = json.dumps({**valid, "scan": {"$": "system", "command": f"touch {marker}"}}).encode()
    variants = {
        "garbage": lambda i, p: p.write_bytes(b"\x00\xff garbage"),
        "truncated": lambda i, p: p.write_bytes(originals[i][: len(originals[i]) // 2]),
        "empty object": lambda i, p: p.write_bytes(b"{}"),
        "pickle": lambda i, p: p.write_bytes(pickle.dumps(_Boom(marker), protocol=2)),
        "deep": lambda i, p: p.write_bytes(b"[" * 200_000 + b"]" * 200_000),
        "swapped": lambda i, p: p.write_bytes(originals[(i + 1) % len(originals)]),
        "unknown record": lambda i, p: p.write_bytes(evil_record),
        "fifo": lambda i, p: (p.unlink(), os.mkfifo(p)),
        "link to /dev/zero": lambda i, p: (p.unlink(), p.symlink_to("/dev/zero")),
        "directory": lambda i, p: (p.unlink(), p.mkdir()),
    }
    for name, tamper in variants.items():
        for i, entry in enumerate(entries):
            if entry.is_dir() and not entry.is_symlink():
                entry.rmdir()
            elif entry.exists() or entry.is_symlink():
                entry.unlink()
            entry.write_bytes(originals[i])
            tamper(i, entry)
        assert run() == plain, name
    assert not marker.exists()
    capsys.readouterr()


# --------------------------------------------------------------------------- network


class _Guard:
    """Records every outbound connection and name lookup of this process (all threads)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.connects: list[object] = []
        self.lookups: list[object] = []
        real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
        real_getaddrinfo = socket.getaddrinfo
        guard = self

        def connect(sock, address):
            guard.connects.append(address)
            return real_connect(sock, address)

        def connect_ex(sock, address):
            guard.connects.append(address)
            return real_connect_ex(sock, address)

        def getaddrinfo(host, *args, **kwargs):
            guard.lookups.append(host)
            return real_getaddrinfo(host, *args, **kwargs)

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


class _FakeHub(BaseHTTPRequestHandler):
    requests: list[tuple[str, str, str | None]] = []
    SHA = "d" * 40

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):  # noqa: N802
        type(self).requests.append((self.command, self.path, self.headers.get("Authorization")))
        path = self.path.split("?")[0]
        body: object
        if path.startswith("/api/models/") and "/refs" in path:
            body = {"branches": [{"name": "main", "ref": "refs/heads/main", "targetCommit": self.SHA}],
                    "tags": [], "converts": []}
        elif path.startswith("/api/models/") and "/commits/" in path:
            body = [{"id": self.SHA, "title": "x", "message": "", "authors": [], "date": "2024-01-01T00:00:00.000Z"}]
        elif path.startswith("/api/models/"):
            repo = path[len("/api/models/"):].split("/revision/")[0]
            body = {"id": repo, "modelId": repo, "sha": self.SHA, "private": False, "gated": False,
                    "disabled": False, "tags": ["license:mit"], "cardData": {"license": "mit"},
                    "siblings": [{"rfilename": "config.json"}, {"rfilename": "model.safetensors"}],
                    "lastModified": "2024-01-01T00:00:00.000Z", "pipeline_tag": "fill-mask"}
        else:
            self.send_response(404)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Error-Code", "RepoNotFound")
            self.end_headers()
            self.wfile.write(b'{"error": "Repository Not Found"}')
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_HEAD = do_GET


@pytest.fixture
def fake_hub(monkeypatch: pytest.MonkeyPatch):
    _FakeHub.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
                 "HF_HUB_OFFLINE", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
    yield server
    server.shutdown()
    server.server_close()


def _online_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0"\n', encoding="utf-8")
    (root / "app.py").write_text(
        "from transformers import AutoModel\n"
        'AutoModel.from_pretrained("org/one")\n'
        'AutoModel.from_pretrained("org/two", revision="' + "e" * 40 + '")\n', encoding="utf-8")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("PTM_LINT_CACHE_DIR", raising=False)  # every cache under xdg/: searched below
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HF_TOKEN", ENV_TOKEN)
    return root


def test_offline_by_default_nothing_touches_the_network(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_hub, capsys: pytest.CaptureFixture) -> None:
    root = _online_project(tmp_path, monkeypatch)
    guard = _Guard(monkeypatch)
    for command, formats in _subcommands().items():
        for fmt in formats or [None]:
            argv = [command, str(root), "-o", str(tmp_path / f"{command}.{fmt}"), "--jobs", "1"]
            assert cli.main(argv + (["--format", fmt] if fmt else [])) in (0, 1), (command, fmt)
    assert guard.connects == [] and guard.lookups == [] and _FakeHub.requests == []
    capsys.readouterr()


def test_online_talks_only_to_the_configured_endpoint(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_hub, capsys: pytest.CaptureFixture) -> None:
    if not _has_option("check", "--online"):
        pytest.skip("`check --online` is not available yet")
    root = _online_project(tmp_path, monkeypatch)
    cache = tmp_path / "ptm-cache"
    guard = _Guard(monkeypatch)
    out = tmp_path / "online.json"
    argv = ["check", str(root), "--online", "--format", "json", "-o", str(out), "--jobs", "1"]
    if _has_option("check", "--cache-dir"):
        argv += ["--cache-dir", str(cache)]
    assert cli.main(argv) in (0, 1)
    port = fake_hub.server_port
    assert _FakeHub.requests, "--online made no request at all"
    assert guard.connects and all(tuple(a)[:2] == ("127.0.0.1", port) for a in guard.connects), guard.connects
    assert all(host in ("127.0.0.1", "localhost") for host in guard.lookups), guard.lookups
    # The token goes to the configured endpoint only, and nowhere else.
    captured = capsys.readouterr()
    for text in (out.read_text(encoding="utf-8"), captured.out, captured.err):
        assert ENV_TOKEN not in text
    for p in [*cache.rglob("*"), *(tmp_path / "xdg").rglob("*")]:
        if p.is_file():
            assert ENV_TOKEN not in p.read_text(encoding="utf-8", errors="replace")
    # Tampered cache entries afterwards: ignored, never unpickled, the run still completes.
    entries = [p for p in cache.rglob("*.json")] if cache.exists() else []
    assert entries, "the online run cached nothing (the tampering below would test nothing)"
    marker = tmp_path / "unpickled"
    for i, entry in enumerate(entries):
        entry.write_bytes([b"\x00garbage", pickle.dumps(_Boom(marker), protocol=2), b"{}", b"[" * 50_000][i % 4])
    offline = [a for a in argv if a != "--online"]
    assert cli.main(offline) in (0, 1)
    assert not marker.exists()
    capsys.readouterr()
