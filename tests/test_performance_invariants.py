"""What the fast paths must keep true (docs/performance.md). Nothing here is timed: the benchmark
(bench/run) measures speed; these tests pin the behaviour the speed-ups must not change."""

from __future__ import annotations

import ast
import gc
import hashlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ptm_lint import pipeline
from ptm_lint.catalog import default_catalog
from ptm_lint.progress import Progress
from ptm_lint.scan import prefilter as prefilter_mod
from ptm_lint.scan import scanner
from ptm_lint.scan import secrets as secrets_mod
from ptm_lint.scan.scopes import Scope, collect

REPO = Path(__file__).resolve().parents[1]
TESTDATA = REPO / "testdata"
SOURCES = sorted(p for p in TESTDATA.rglob("*") if p.suffix in (".py", ".ipynb") and p.is_file())
SOURCES += sorted((REPO / "src" / "ptm_lint").rglob("*.py"))


# -- the byte prefilter --------------------------------------------------------------------------
class ReferencePrefilter:
    """The prefilter's specification: one regex per trigger, the obvious (slow) way."""

    IDENT = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")

    def __init__(self, triggers, mentions=None):
        self.triggers = triggers
        self.mentions = mentions or {}

    def counts(self, trigger: str, data: bytes) -> bool:
        """A common-word trigger counts where its package is named or the name is imported relatively."""
        words = self.mentions.get(trigger)
        if not words or any(w.encode() in data for w in words):
            return True
        name = trigger.rsplit(".", 1)[-1].encode()
        for m in re.finditer(rb"^[ \t]*from\s+\.[\w.]*\s+import\s*(\([^)]*\)|.*)$", data, re.MULTILINE):
            if name in re.findall(rb"\w+", m.group(1)):
                return True
        return False

    def __call__(self, data: bytes) -> bool:
        triggers = [t for t in self.triggers if self.counts(t, data)]
        if any(self.called(re.compile(re.escape(t.encode()) + rb"[ \t]*(?:\[[^\[\n]*\][ \t]*)?\("), data)
               for t in triggers):
            return True
        terminals = {t.rsplit(".", 1)[-1].encode() for t in triggers}
        aliases = set()
        if b" as " in data:
            aliases.update(m.group(2) for m in re.finditer(rb"\b(\w+)\s+as\s+(\w+)", data) if m.group(1) in terminals)
        if b"class" in data:
            for m in re.finditer(rb"^[ \t]*class\s+(\w+)\s*\(([^)]*)\)", data, re.MULTILINE):
                bases = set(re.findall(rb"\w+", m.group(2))) - {b"Module", b"Transformer"}
                if bases & terminals:
                    aliases.add(m.group(1))
        return any(self.called(re.compile(re.escape(a) + rb"[ \t]*[(.]"), data) for a in aliases)

    def called(self, pattern, data):
        for m in pattern.finditer(data):
            start = m.start()
            if start and data[start - 1] in self.IDENT:
                continue
            head = data[data.rfind(b"\n", 0, start) + 1 : start].lstrip()
            if not head.startswith((b"#", b">>>", b"...")):
                return True
        return False


EDGE_CASES = [
    b"model = AutoModel.from_pretrained('x')\n",
    b"x = 1\n# AutoModel.from_pretrained('x')\n",
    b'"""\n>>> AutoModel.from_pretrained("x")\n... pipeline("t")\n"""\n',
    b"myfrom_pretrained('x')\n",
    b"obj.from_pretrained  ('x')\n",
    b"obj.from_pretrained\t(\n'x')\n",
    b"from_pretrained('x')",
    b"(from_pretrained('x'))",
    b"torch.hub.load('a/b', 'm')\n",
    b"hub.help('a/b', 'm')\n",
    b"xhub.help('a/b', 'm')\n",
    b"from torch.hub import load as fetch\nfetch('a/b', 'm')\n",
    b"from torch.hub import load as fetch\n# fetch('a/b', 'm')\n",
    b"from torch.hub import load\tas\tfetch\nfetch.x\n",
    b"class Encoder(SentenceTransformer):\n    pass\nEncoder('m')\n",
    b"  class Encoder(nn.Module):\n    pass\nEncoder('m')\n",
    b"x = 'class Encoder(SentenceTransformer)'\nEncoder('m')\n",
    b"class Enc(\n    SentenceTransformer,\n):\n    pass\nEnc.x\n",
    b"no calls at all\n",
    b"",
    b"(",
    b"load_state_dict_from_url(u)\n",
    b"load_state_dict_from_urlx(u)\n",
    b"download(",
    b"a as snapshot_download as b\nb(1)\n",
    # common-word triggers count only where their package is named (catalog `mentions`)
    b"import json\njson.load(f)\n",
    b"import torch\ntorch.load(f)\n",
    b"import torchvision\nx = load(f)\n",
    b"from django.apps import apps\napps.get_model('a', 'b')\n",
    b"from torchvision.models import get_model\nget_model('resnet50')\n",
    b"from ..pipelines import Pipeline, pipeline\nnlp = pipeline('ner')\n",
    b"from ..pipelines import (\n    Pipeline,\n    pipeline,\n)\nnlp = pipeline('ner')\n",
    b"from ..pipelines import Pipeline\nnlp = pipeline('ner')\n",
    b"from json import load as fetch\nfetch(f)\n",
    b"from torch.hub import load as fetch\nfetch(f)\n",
    b"class Detector(YOLO):\n    pass\nDetector('m')\n",
    b"from ultralytics import YOLO\nclass Detector(YOLO):\n    pass\nDetector('m')\n",
    b"import torch\nfrom_pretrained('x')\n",
    # a registry item called directly (`sam_model_registry[kind](...)`)
    b"from segment_anything import sam_model_registry\nsam = sam_model_registry['vit_h'](checkpoint=p)\n",
    b"sam = sam_model_registry [ MODEL_TYPE ] (checkpoint=p)\n",
    b"x = registry['a'](1)\n",
    b"x = sam_model_registry['a']\n",
]


# Where the fast prefilter deliberately lets more through than the specification: aliases bound with
# tabs (the spec looks for " as " with spaces) and overlapping `x as snapshot_download as y`.
SUPERSET = {b"from torch.hub import load\tas\tfetch\nfetch.x\n", b"a as snapshot_download as b\nb(1)\n"}


def test_common_word_triggers_need_their_package():
    catalog = default_catalog()
    fast = prefilter_mod.prefilter(catalog)
    assert not fast(b"import json\nwith open(p) as f:\n    data = json.load(f)\n")
    assert not fast(b"from django.urls import resolve\nmatch = resolve('/x/')\n")
    assert fast(b"import torch\nstate = torch.load(p)\n")
    assert fast(b"from ..pipelines import pipeline\nnlp = pipeline('ner')\n")
    assert catalog.mentions["load"] and "from_pretrained" not in catalog.mentions


@pytest.mark.parametrize("data", EDGE_CASES)
def test_prefilter_matches_its_specification_on_edge_cases(data):
    catalog = default_catalog()
    fast, slow = prefilter_mod.prefilter(catalog), ReferencePrefilter(catalog.triggers, catalog.mentions)
    if slow(data):
        assert fast(data), data  # never a false negative
    elif data in SUPERSET:
        assert fast(data), data  # the fast one also sees what the specification's regexes miss
    else:
        assert not fast(data), data


def test_prefilter_matches_its_specification_on_every_test_and_source_file():
    catalog = default_catalog()
    fast, slow = prefilter_mod.prefilter(catalog), ReferencePrefilter(catalog.triggers, catalog.mentions)
    for path in SOURCES:
        data = path.read_bytes()
        assert fast(data) == slow(data), path


@pytest.mark.parametrize("data", [
    b"hf_" + b"a" * 30, b"xhf_" + b"a" * 40, b"_hf_" + b"a" * 40, b" hf_" + b"a" * 29, b"api_org_" + b"Z" * 31,
    b"t = 'hf_" + b"A1" * 20 + b"'", b"x" * 100 + b"hf_hub_download(", b"",
])
def test_token_search_matches_the_regex(data):
    assert secrets_mod._has_token(data) == (secrets_mod._TOKEN_BYTES.search(data) is not None)


# -- the collector -------------------------------------------------------------------------------
def _walk_calls(tree: ast.AST) -> list[ast.Call]:
    """Every call in pre-order, children in ast.iter_child_nodes order (what a plain walk gives)."""
    out = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call):
            out.append(node)
        stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return out


def test_collector_finds_every_call_in_walk_order():
    checked = 0
    for path in SOURCES:
        if path.suffix != ".py":
            continue
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            continue
        info = collect(tree, None)
        got = [id(c.node) for c in info.calls]
        want = [id(c) for c in _walk_calls(tree)]
        # Statements are visited in their own order (decorators before defaults, a target after
        # its value); within each expression the order must be a plain walk's. Same set, always:
        assert sorted(got) == sorted(want), path
        assert len(got) == len(set(got)), path
        checked += 1
    assert checked > 20


def test_scanning_leaves_no_cycles_behind():
    """The scanner breaks its scope/binding cycles, so a file's AST and scopes are freed by reference
    counting when scan_bytes returns (the cyclic collector can then run rarely)."""
    data = (TESTDATA / "fixtures" / "aliases_transformers.py").read_bytes()
    catalog = default_catalog()
    scanner.scan_bytes(data, "warmup.py", catalog, None)
    gc.collect()
    gc.disable()
    try:
        before = sum(1 for o in gc.get_objects() if isinstance(o, Scope))
        scan = scanner.scan_bytes(data, "aliases_transformers.py", catalog, None)
        assert scan.calls
        after = sum(1 for o in gc.get_objects() if isinstance(o, Scope))
    finally:
        gc.enable()
    assert after == before


# -- processes, imports, progress ----------------------------------------------------------------
def test_small_inputs_never_start_worker_processes(monkeypatch, tmp_path):
    def no_pool(*args, **kwargs):
        raise AssertionError("a process pool was started for a small input")

    monkeypatch.setattr(pipeline, "_new_pool", no_pool)
    (tmp_path / "a.py").write_text("from transformers import AutoModel\nAutoModel.from_pretrained('gpt2')\n")
    scans = pipeline.scan_files(tmp_path, ["a.py"], jobs=8)
    assert scans[0].calls


# Never imported for a text run on one file (pre-commit): DESIGN.md "lazy-import heavy libraries".
HEAVY = ("networkx", "jinja2", "huggingface_hub", "yaml", "sarif_om", "cyclonedx", "requests")
CLEAN = "import os\nprint(os.getcwd())\n"
LOADS = "from transformers import AutoModel\nAutoModel.from_pretrained('gpt2')\n"


def _loaded_after(argv: list[str], source: str, tmp_path: Path, watch: tuple[str, ...]) -> str:
    target = tmp_path / "app.py"
    target.write_text(source)
    args = [a.format(file=target) for a in argv]
    code = (
        "import sys\nfrom ptm_lint.cli import main\n"
        f"main({args!r})\n"
        f"print('LOADED', sorted({{m.split('.')[0] for m in sys.modules}} & set({watch!r})))\n"
    )
    env = {"PTM_LINT_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    return next((line for line in proc.stdout.splitlines() if line.startswith("LOADED")), proc.stdout + proc.stderr)


def _loaded_modules_after(argv: list[str], source: str, tmp_path: Path, prefix: str) -> list[str]:
    """The modules named `prefix...` loaded after running ptm-lint with `argv` in a fresh interpreter."""
    (tmp_path / "app.py").write_text(source)
    args = [a.format(file=tmp_path / "app.py") for a in argv]
    code = (f"import sys\nfrom ptm_lint.cli import main\nmain({args!r})\n"
            f"print('MODULES', sorted(m for m in sys.modules if m.startswith({prefix!r})))\n")
    env = {"PTM_LINT_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    line = next((line for line in proc.stdout.splitlines() if line.startswith("MODULES ")), None)
    assert line is not None, proc.stdout + proc.stderr
    return ast.literal_eval(line[len("MODULES "):])


@pytest.mark.parametrize("argv", [["check", "{file}", "--no-cache"], ["{file}"], ["inventory", "{file}", "--no-cache"]])
def test_a_one_file_run_imports_no_heavy_library(argv, tmp_path):
    """What pre-commit runs: startup must stay lean (lazy imports; see docs/performance.md)."""
    assert _loaded_after(argv, LOADS, tmp_path, HEAVY) == "LOADED []"


@pytest.mark.parametrize("argv", [["check", "{file}", "--no-cache"], ["{file}"]])
def test_a_clean_file_does_not_even_load_the_fixer(argv, tmp_path):
    """libcst is for rewriting only: a file without findings never pays for importing it."""
    assert _loaded_after(argv, CLEAN, tmp_path, (*HEAVY, "libcst")) == "LOADED []"


def test_a_warm_check_answers_fix_suggestions_without_libcst(tmp_path):
    """Fix suggestions come from the fix cache on a warm run: `[*]` markers without the fix engine."""
    fixable = "import torch\nstate = torch.load('w.pt')\n"  # PTM202: a fix that needs no pin
    argv = ["check", "{file}", "--exit-zero"]
    assert _loaded_after(argv, fixable, tmp_path, ("libcst",)) == "LOADED ['libcst']"  # cold: computed
    assert _loaded_after(argv, fixable, tmp_path, ("libcst",)) == "LOADED []"


# Start-up cost: what a small project does not need is not imported. packaging reads requirements
# (a plain `name>=1.2` needs none of it), pathspec matches ignore patterns other than plain names,
# worker processes (concurrent.futures, multiprocessing) scan large inputs only, threads look up hub
# metadata, and tomllib parses only TOML the rule-data snapshot does not already hold.
START_UP = (*HEAVY, "libcst", "packaging", "pathspec", "multiprocessing", "concurrent", "configparser", "tomllib")


@pytest.mark.parametrize("files", [{}, {"requirements.txt": "torch>=2.1,<2.6\nnumpy==1.26.*\n"}],
                         ids=["bare", "plain-requirements"])
@pytest.mark.parametrize("cache", [["--no-cache"], []], ids=["cold", "warm"])
def test_a_small_project_imports_only_what_it_needs(files, cache, tmp_path):
    project = tmp_path / "project"
    (project / "pkg").mkdir(parents=True)
    (project / "pkg" / "a.py").write_text(CLEAN)
    (project / "b.py").write_text(CLEAN)
    for name, text in files.items():
        (project / name).write_text(text)
    argv = ["check", str(project), "--exit-zero", *cache]
    if not cache:
        assert _loaded_after(argv, CLEAN, tmp_path, START_UP) == "LOADED []"  # primes the cache
    assert _loaded_after(argv, CLEAN, tmp_path, START_UP) == "LOADED []"
    # Nothing to parse: the scanner and its evaluator (scan.scanner, values, scopes) stay unloaded.
    assert _loaded_modules_after(argv, CLEAN, tmp_path, "ptm_lint.scan.") == [
        "ptm_lint.scan.prefilter", "ptm_lint.scan.secrets"]


def test_the_rule_data_loads_without_tomllib():
    """The catalog and the rules come from the snapshot of their TOML (see catalog.parse_toml)."""
    code = (
        "import sys\nfrom ptm_lint.catalog import default_catalog\n"
        "from ptm_lint.check.rulebook import default_rules\n"
        "assert default_catalog().loaders and default_rules()\n"
        "print('LOADED', sorted({m.split('.')[0] for m in sys.modules} & {'tomllib', 'tomli'}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "LOADED []" in proc.stdout, proc.stdout + proc.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal_and_only_for_long_scans():
    assert Progress.maybe(5000, enabled=True, stream=io.StringIO()) is None  # not a terminal
    assert Progress.maybe(10, enabled=True, stream=_Terminal()) is None  # too short to bother
    assert Progress.maybe(5000, enabled=False, stream=_Terminal()) is None
    stream = _Terminal()
    progress = Progress.maybe(500, enabled=True, stream=stream)
    assert progress is not None
    progress(250)
    progress(250)
    progress.close()
    text = stream.getvalue()
    assert "500/500 files" in text
    assert text.endswith("\r\x1b[2K")  # erased at the end: nothing left on the screen


def test_progress_never_reaches_machine_readable_output(tmp_path, monkeypatch, capsys):
    from ptm_lint import cli

    monkeypatch.setattr(pipeline, "PARALLEL_THRESHOLD", 10**9)
    for i in range(210):
        (tmp_path / f"m{i}.py").write_text("x = 1\n")
    monkeypatch.setattr(cli, "_stderr_is_terminal", lambda: True)
    assert cli.main(["inventory", str(tmp_path), "--format", "json", "--no-cache"]) == 0
    out = capsys.readouterr()
    assert out.out.lstrip().startswith("{") and "scanning [" not in out.out


def test_callee_names_of_a_chain_cost_linear_work(monkeypatch):
    """A fluent call chain through `self` attributes bound several times (GPT-SoVITS's TTS.py) asks
    for each receiver's names from two places; unmemoised, the work doubled per link (minutes and
    gigabytes on one file). Each link's names are computed a bounded number of times."""
    from ptm_lint.catalog import default_catalog
    from ptm_lint.scan import values
    from ptm_lint.scan.scanner import scan_bytes

    links = 24
    chain = "self.pipe" + "".join(f".step{i}()" for i in range(links))
    source = (
        "from transformers import AutoModel\n\n\n"
        "class Runner:\n"
        "    def __init__(self, fast):\n"
        "        self.pipe = AutoModel.from_pretrained('org/a') if fast else None\n"
        "        self.pipe = self.pipe.to('cuda')\n"
        "        self.pipe = self.pipe.half()\n\n"
        "    def run(self):\n"
        f"        return {chain}\n"
    )
    calls = 0
    original = values.Evaluator._qualnames

    def counting(self, node, scope, depth):
        nonlocal calls
        calls += 1
        return original(self, node, scope, depth)

    monkeypatch.setattr(values.Evaluator, "_qualnames", counting)
    scan = scan_bytes(source.encode(), "runner.py", default_catalog(), None)
    assert [c.model.value for c in scan.calls] == ["org/a"]
    assert calls < 40 * links, calls


def test_names_asked_about_nodes_built_for_one_question_are_not_mixed_up():
    """`_through_repo` asks a shared module's evaluator about `ast.Name` nodes it builds for the
    question; once freed, a new node may get the same id(): the memo must not answer for the old."""
    import ast as _ast

    from ptm_lint.scan.scopes import collect
    from ptm_lint.scan.values import Evaluator

    source = ("from insightface.app import FaceAnalysis\nfrom sentence_transformers import SentenceTransformer\n\n"
              "class Faces(FaceAnalysis):\n    pass\n\nclass Encoder(SentenceTransformer):\n    pass\n")
    ev = Evaluator(collect(_ast.parse(source), "studio"), "studio/__init__.py", "studio", None)
    module = ev.info.module
    answers = []
    for _ in range(20):  # freed and rebuilt in turn: CPython hands the same memory back
        for name in ("Faces", "Encoder"):
            answers.append((name, tuple(ev.qualnames(_ast.Name(id=name, lineno=10**9), module))))
    assert {a for a in answers if a[0] == "Faces"} == {("Faces", ("studio.Faces", "insightface.app.FaceAnalysis"))}
    assert {a for a in answers if a[0] == "Encoder"} == {
        ("Encoder", ("studio.Encoder", "sentence_transformers.SentenceTransformer"))}


# -- work shared between the chunks of one scan ---------------------------------------------------
def _project_with_shared_module(root: Path, files: int) -> list[str]:
    """A package whose files all load the model their shared settings module names."""
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "settings.py").write_text(
        'import os\n\nBASE_MODEL = "org/base-model"\nREVISION = "0123456789abcdef0123456789abcdef01234567"\n'
        'CACHE_DIR = os.environ.get("HF_HOME", "/tmp/hf")\n')
    rels = []
    for n in range(files):
        rel = f"app/task_{n:03d}.py"
        (root / rel).write_text(
            "from transformers import AutoModel\n\nfrom .settings import BASE_MODEL, REVISION\n\n\n"
            f"def load_task_{n}():\n"
            "    return AutoModel.from_pretrained(BASE_MODEL, revision=REVISION)\n")
        rels.append(rel)
    return rels


def test_module_indexes_of_one_scan_share_parsed_modules_not_analyses(tmp_path):
    from ptm_lint.scan.project import ModuleIndex, Parsed

    _project_with_shared_module(tmp_path, 2)
    parsed = Parsed()
    first, second = ModuleIndex(tmp_path, parsed), ModuleIndex(tmp_path, parsed)
    a, b = first.evaluator("app.settings", 1), second.evaluator("app.settings", 1)
    assert a is not None and b is not None and a is not b  # memoised values stay per index
    assert a.info is b.info  # the module was parsed once
    assert first.evaluator("app.settings", 2).info is a.info  # and once for every import hop
    assert second.dependencies() == first.dependencies() == {
        "app/settings.py": hashlib.sha256((tmp_path / "app" / "settings.py").read_bytes()).hexdigest()}
    # Other bytes at the same path (a new scan of an edited tree) are parsed again.
    (tmp_path / "app" / "settings.py").write_text('BASE_MODEL = "org/other-model"\n')
    third = ModuleIndex(tmp_path, parsed)
    c = third.evaluator("app.settings", 1)
    assert c is not None and c.info is not a.info
    assert [b.line for b in c.info.module.bindings["BASE_MODEL"]] == [1]


def test_worker_chunks_of_one_scan_give_the_serial_results(tmp_path, monkeypatch):
    rels = _project_with_shared_module(tmp_path, pipeline.PARALLEL_THRESHOLD + 20)
    serial = pipeline.scan_files(tmp_path, rels, jobs=1)
    waited = []
    batch = pipeline._Batch(tmp_path, 2, while_waiting=lambda: waited.append(True))
    for rel in rels:
        batch.add(rel)
    parallel = batch.finish()
    assert waited == [True]  # the caller's own work ran while the workers scanned
    assert parallel == serial
    assert all(s.calls[0].model.value == "org/base-model" and s.calls[0].revision.known for s in serial)
    # In one process, the chunks of one scan (one token) share what parsing gave; another scan does not.
    monkeypatch.setattr(pipeline, "_WORKER_PARSED", [None, None])
    pipeline._scan_chunk(str(tmp_path), rels[:2], run="scan-1")
    shared = pipeline._WORKER_PARSED[1]
    assert shared is not None and shared.infos
    pipeline._scan_chunk(str(tmp_path), rels[2:4], run="scan-1")
    assert pipeline._WORKER_PARSED[1] is shared
    pipeline._scan_chunk(str(tmp_path), rels[:2], run="scan-2")
    assert pipeline._WORKER_PARSED[1] is not shared


def test_small_inputs_do_not_wait_for_anything(tmp_path):
    (tmp_path / "a.py").write_text(LOADS)
    waited = []
    batch = pipeline._Batch(tmp_path, 8, while_waiting=lambda: waited.append(True))
    batch.add("a.py")
    assert batch.finish()[0].calls and waited == []
