"""The GitHub Action (action.yml): its shell steps run as the runner runs them, on the demo app."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ptm_lint.report.sarif import preflight

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "testdata" / "demo-app"
ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


class Runner:
    """What the Actions runner does for a composite action's `run:` steps, in miniature: evaluate
    `${{ }}` (inputs, github.action_path, steps.<id>.outputs), the `if:` conditions the action
    uses (`==`, `!=`, `&&`), one GITHUB_OUTPUT file per step, one GITHUB_STEP_SUMMARY per step
    (appended to the job's), `bash --noprofile --norc -eo pipefail`, the step's env and
    working-directory. `uses:` steps are recorded, not run (they need GitHub)."""

    def __init__(self, workspace: Path, inputs: dict[str, str]) -> None:
        self.workspace = workspace
        self.inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
        unknown = set(inputs) - set(self.inputs)
        assert not unknown, f"not inputs of action.yml: {unknown}"
        self.inputs.update(inputs)
        self.outputs: dict[str, dict[str, str]] = {}
        self.summary = ""
        self.ran: list[str] = []
        self.skipped: list[str] = []
        self.used: list[tuple[str, dict[str, str]]] = []
        self.logs: list[str] = []

    def value(self, expr: str) -> str:
        expr = expr.strip()
        if expr.startswith("inputs."):
            return self.inputs[expr[len("inputs."):]]
        if expr == "github.action_path":
            return str(REPO)
        match = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
        if match:
            return self.outputs.get(match.group(1), {}).get(match.group(2), "")
        quoted = re.fullmatch(r"'(.*)'", expr)
        if quoted:
            return quoted.group(1)
        raise AssertionError(f"expression the test runner does not know: {expr}")

    def render(self, text: str) -> str:
        return _EXPR.sub(lambda m: self.value(m.group(1)), str(text))

    def condition(self, text: str | None) -> bool:
        if text is None:
            return True
        result = True
        for part in _EXPR.sub(lambda m: m.group(1), str(text)).split("&&"):
            left, op, right = re.fullmatch(r"\s*(\S+)\s*(==|!=)\s*(\S+)\s*", part).groups()  # type: ignore[union-attr]
            equal = self.value(left) == self.value(right)
            result = result and (equal if op == "==" else not equal)
        return result

    def run(self) -> int:
        for n, step in enumerate(ACTION["runs"]["steps"]):
            name = step.get("name", f"step {n}")
            if not self.condition(step.get("if")):
                self.skipped.append(name)
                continue
            if "uses" in step:
                self.used.append((step["uses"], {k: self.render(v) for k, v in step.get("with", {}).items()}))
                continue
            code = self._shell(step, n)
            self.ran.append(name)
            if code != 0:
                return code
        return 0

    def _shell(self, step: dict, n: int) -> int:
        assert step["shell"] == "bash"
        output = self.workspace.parent / f"output-{n}"
        summary = self.workspace.parent / f"summary-{n}"
        output.write_text("")
        summary.write_text("")
        env = {**os.environ, **{k: self.render(v) for k, v in step.get("env", {}).items()},
               "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
               "GITHUB_ACTION_PATH": str(REPO), "GITHUB_WORKSPACE": str(self.workspace),
               # the runner's PATH has the Python that setup-python / pip installed ptm-lint into
               "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
        cwd = self.workspace / self.render(step.get("working-directory", "."))
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                              cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
        self.logs.append(done.stdout + done.stderr)
        if "id" in step:
            self.outputs[step["id"]] = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
        self.summary += summary.read_text()
        return done.returncode


@pytest.fixture()
def workspace(tmp_path):
    target = tmp_path / "workspace"
    shutil.copytree(DEMO, target)
    return target


def _runner(workspace: Path, **inputs: str) -> Runner:
    # ptm-lint is already installed in this environment (the package under test): the install
    # steps (setup-python, pip) are the ones a test cannot run offline.
    return Runner(workspace, {"install": "false", **inputs})


def test_action_runs_green_on_the_demo_app(workspace, validator):
    runner = _runner(workspace, **{"fail-on": "never", "sbom": "true"})
    code = runner.run()
    assert code == 0, "\n".join(runner.logs)
    assert runner.ran == ["ptm-lint check", "Job summary", "Model SBOM", "ptm-lint lock --check", "Fail on findings"]
    assert "Install ptm-lint" in runner.skipped and "Set up Python" in runner.skipped
    sarif = json.loads((workspace / "ptm-lint.sarif").read_text(encoding="utf-8"))
    assert list(validator.iter_errors(sarif)) == [] and preflight(sarif) == []  # schema and GitHub's limits
    results = sarif["runs"][0]["results"]
    assert int(runner.outputs["check"]["findings"]) == len(results) > 0
    assert runner.outputs["check"]["exit-code"] == "0"
    assert "uri" not in sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]  # no runner path
    assert "ptm-lint" in runner.summary and "PTM101" in runner.summary  # the Markdown summary
    assert json.loads((workspace / "ptm-lint.cdx.json").read_text())["bomFormat"] == "CycloneDX"
    assert "ptm-lint.lock is up to date" in "".join(runner.logs)  # the demo app commits its lock
    uploads = dict(runner.used)
    assert uploads["github/codeql-action/upload-sarif@v3"] == {"sarif_file": "./ptm-lint.sarif", "category": "ptm-lint"}
    assert uploads["actions/upload-artifact@v4"]["path"] == "./ptm-lint.cdx.json"


def test_action_fails_the_job_on_findings_after_uploading(workspace):
    runner = _runner(workspace, **{"args": "--select PTM2", "job-summary": "false"})
    assert runner.run() == 1
    assert runner.outputs["check"]["exit-code"] == "1"
    assert "finding(s); at least one at or above 'warning'" in runner.logs[-1]
    assert [uses for uses, _ in runner.used] == ["github/codeql-action/upload-sarif@v3"]  # before the gate
    sarif = json.loads((workspace / "ptm-lint.sarif").read_text(encoding="utf-8"))
    assert {r["ruleId"][:4] for r in sarif["runs"][0]["results"]} == {"PTM2"}


def test_action_fail_on_error_passes_warnings_and_rejects_bad_values(workspace):
    runner = _runner(workspace, **{"args": "--select PTM101", "fail-on": "error", "upload-sarif": "false"})
    assert runner.run() == 0 and runner.outputs["check"]["exit-code"] == "0"
    bad = _runner(workspace, **{"fail-on": "sometimes"})
    assert bad.run() == 2 and "fail-on must be error, warning, note or never" in bad.logs[-1]


def test_action_runs_the_lock_check_only_when_a_lock_exists(workspace):
    (workspace / "ptm-lint.lock").write_text("# a lock\n")
    runner = _runner(workspace, **{"fail-on": "never", "job-summary": "false"})
    runner.run()
    assert "ptm-lint lock --check" in runner.ran  # gated on the file: ran (whatever `lock` answers)
    (workspace / "ptm-lint.lock").unlink()
    runner = _runner(workspace, **{"fail-on": "never", "job-summary": "false"})
    assert runner.run() == 0
    assert "no ptm-lint.lock here; lock check skipped" in "".join(runner.logs)


@pytest.fixture(scope="module")
def validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
    return jsonschema.Draft4Validator(schema)
