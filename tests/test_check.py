"""The check command: selection, suppressions, configuration, exit codes and version awareness."""

from __future__ import annotations

import json
import textwrap

import pytest

from ptm_lint.cli import main

UNPINNED = textwrap.dedent('''
    from transformers import AutoModel

    model = AutoModel.from_pretrained("google-bert/bert-base-uncased")
''')


def write_project(tmp_path, source=UNPINNED, pyproject_extra="", name="app.py"):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "1.0"\n' + pyproject_extra)
    (tmp_path / name).write_text(source)
    return tmp_path


def run_json(tmp_path, *args):
    out = tmp_path / "out.json"
    code = main(["check", str(tmp_path), "--format", "json", "-o", str(out), *args])
    return code, json.loads(out.read_text()) if out.exists() else None


def rules_of(doc, suppressed=False):
    return [f["rule"] for f in doc["findings"] if f["suppressed"] == suppressed]


def test_default_command_and_exit_codes(tmp_path, capsys):
    write_project(tmp_path)
    assert main([str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "app.py:4:9: PTM101" in out
    assert "Found 1 finding" in out
    assert main([str(tmp_path), "--exit-zero"]) == 0
    assert main([str(tmp_path), "--fail-on", "error"]) == 0


def test_findings_json_contract(tmp_path):
    write_project(tmp_path)
    code, doc = run_json(tmp_path)
    assert code == 1
    assert doc["schema"] == "ptm-lint/findings/1"
    assert doc["tool"]["name"] == "ptm-lint"
    finding = doc["findings"][0]
    for key in ("rule", "name", "level", "message", "path", "cell", "line", "column", "end_line",
                "end_column", "model", "reference", "fix", "suppressed"):
        assert key in finding
    assert finding["rule"] == "PTM101" and finding["name"] == "unpinned-hf-revision"
    assert finding["model"] == "google-bert/bert-base-uncased"
    assert doc["references"][finding["reference"]]["api"] == "transformers.AutoModel.from_pretrained"
    assert "google-bert/bert-base-uncased" in finding["message"] and "revision=" in finding["message"]


@pytest.mark.parametrize("comment", [
    "# ptm-lint: ignore[PTM101]", "# ptm-lint: ignore", "# noqa: PTM101", "# ptm-lint: ignore[PTM305, PTM101]",
])
def test_suppression_comments(tmp_path, comment):
    write_project(tmp_path, UNPINNED.replace('uncased")', f'uncased")  {comment}'))
    code, doc = run_json(tmp_path)
    assert code == 0
    assert rules_of(doc) == [] and rules_of(doc, suppressed=True) == ["PTM101"]


def test_suppression_that_does_not_match(tmp_path):
    write_project(tmp_path, UNPINNED.replace('uncased")', 'uncased")  # noqa: E501  # ptm-lint: ignore[PTM201]'))
    code, doc = run_json(tmp_path)
    assert code == 1 and rules_of(doc) == ["PTM101"]


def test_suppression_on_any_line_of_a_multiline_call(tmp_path):
    source = textwrap.dedent('''
        from transformers import AutoModel

        model = AutoModel.from_pretrained(
            "google-bert/bert-base-uncased",
            trust_remote_code=True,  # ptm-lint: ignore[PTM101, PTM201]
        )
    ''')
    write_project(tmp_path, source)
    code, doc = run_json(tmp_path)
    assert code == 0
    assert sorted(rules_of(doc, suppressed=True)) == ["PTM101", "PTM201"]


def test_unused_suppressions_are_reported(tmp_path, capsys):
    write_project(tmp_path, "x = 1  # ptm-lint: ignore[PTM101]\n" + UNPINNED.replace('uncased")', 'uncased")  # noqa: PTM101'))
    main([str(tmp_path), "--report-unused-suppressions"])
    out = capsys.readouterr().out
    assert "app.py:1: unused suppression (PTM101)" in out
    assert "app.py:5: unused" not in out


def test_select_ignore_prefixes(tmp_path):
    source = UNPINNED + 'AutoModel.from_pretrained("gpt2", trust_remote_code=True)\n'
    write_project(tmp_path, source)
    _, doc = run_json(tmp_path)
    assert sorted(set(rules_of(doc))) == ["PTM101", "PTM201", "PTM305"]
    _, doc = run_json(tmp_path, "--select", "PTM2")
    assert set(rules_of(doc)) == {"PTM201"}
    _, doc = run_json(tmp_path, "--ignore", "PTM1,PTM3")
    assert set(rules_of(doc)) == {"PTM201"}
    _, doc = run_json(tmp_path, "--select", "PTM101", "--extend-select", "PTM305")
    assert set(rules_of(doc)) == {"PTM101", "PTM305"}


def test_unknown_rule_on_the_command_line_is_a_usage_error(tmp_path, capsys):
    write_project(tmp_path)
    assert main([str(tmp_path), "--select", "PTM999"]) == 2
    assert "unknown rule id or prefix 'PTM999'" in capsys.readouterr().err


def test_configuration_in_pyproject(tmp_path):
    write_project(tmp_path, UNPINNED + 'AutoModel.from_pretrained("gpt2")\n',
                  '[tool.ptm-lint]\nignore = ["PTM305"]\nfail-on = "error"\n'
                  'per-file-ignores = { "scripts/*.py" = ["PTM1"] }\n')
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "tool.py").write_text(UNPINNED)
    code, doc = run_json(tmp_path)
    assert code == 0  # only warnings, and fail-on = error
    assert {(f["path"], f["rule"]) for f in doc["findings"]} == {("app.py", "PTM101")}


def test_configuration_in_ptm_lint_toml_found_upward(tmp_path):
    write_project(tmp_path)
    (tmp_path / "ptm-lint.toml").write_text('select = ["PTM2"]\n')
    sub = tmp_path / "pkg"
    sub.mkdir()
    (sub / "mod.py").write_text(UNPINNED)
    code = main(["check", str(sub), "--format", "json", "-o", str(tmp_path / "o.json")])
    assert code == 0
    assert json.loads((tmp_path / "o.json").read_text())["findings"] == []


@pytest.mark.parametrize(("table", "message"), [
    ('colour = "red"', "unknown key colour"),
    ('select = "PTM1"', "select must be a list of strings"),
    ('ignore = ["PTM777"]', "unknown rule id or prefix 'PTM777'"),
    ('fail-on = "fatal"', "fail-on must be one of"),
    ('online = "yes"', "online must be a boolean"),
    ('per-file-ignores = ["x"]', "per-file-ignores must be a table"),
])
def test_invalid_configuration_is_a_clear_error(tmp_path, capsys, table, message):
    write_project(tmp_path, pyproject_extra=f"[tool.ptm-lint]\n{table}\n")
    assert main(["check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "pyproject.toml" in err


def test_broken_toml_is_a_clear_error(tmp_path, capsys):
    write_project(tmp_path)
    (tmp_path / "ptm-lint.toml").write_text("select = [\n")
    assert main(["check", str(tmp_path)]) == 2
    assert "is not valid TOML" in capsys.readouterr().err


@pytest.mark.parametrize(("requirements", "expected"), [
    ("torch>=2.1,<2.6", True),
    ("torch>=2.6", False),
    ("torch==2.6.*", False),
    ("torch", True),
    (None, True),  # no declared torch: assume the old default
])
def test_torch_load_is_judged_against_the_declared_torch(check, requirements, expected):
    findings = check("import torch\nstate = torch.load('weights.pt')\n", requirements=requirements, select=("PTM202",))
    assert bool(findings) is expected


def test_weights_only_false_is_always_reported(check):
    findings = check("import torch\nstate = torch.load('w.pt', weights_only=False)\n", requirements="torch>=2.6",
                     select=("PTM202",))
    assert [f.rule for f in findings] == ["PTM202"]


def test_weights_only_constant_is_resolved(check):
    source = "import torch\nSAFE = True\nstate = torch.load('w.pt', weights_only=SAFE)\n"
    assert check(source, requirements="torch<2.6", select=("PTM202",)) == []


@pytest.mark.parametrize(("requirements", "expected"), [
    ("transformers>=4.31,<5", "deprecated"),
    ("transformers>=5.0", "removed"),
    ("transformers<4.30", None),
    (None, "deprecated"),
])
def test_deprecations_follow_the_declared_range(check, requirements, expected):
    source = ("import os\nfrom transformers import AutoModel\n"
              "m = AutoModel.from_pretrained('org/m', revision='86b5e0934494bd15c9632b12f734a8a67f723594', "
              "use_auth_token=os.environ['HF_TOKEN'])\n")
    findings = check(source, requirements=requirements, select=("PTM301",))
    if expected is None:
        assert findings == []
    else:
        assert len(findings) == 1 and expected in findings[0].message
        assert findings[0].level == ("error" if expected == "removed" else "warning")


def test_token_is_reported_but_never_printed(tmp_path, capsys):
    token = "hf_" + "Zq8" * 12
    write_project(tmp_path, f'from huggingface_hub import login\nlogin(token="{token}")\n' + UNPINNED)
    for fmt in ("text", "json", "sarif", "github"):
        out = tmp_path / f"out.{fmt}"
        main(["check", str(tmp_path), "--format", fmt, "-o", str(out)])
        text = out.read_text()
        assert "PTM206" in text, fmt
        assert token not in text and token[3:] not in text, fmt
    main(["inventory", str(tmp_path), "--format", "json"])
    assert token not in capsys.readouterr().out
