"""Tests for reading a scanned project's declared requirements (discover/project.py and its format
readers: manifests, pyproject, setupcfg, conda) and the version arithmetic (discover/versions.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from ptm_lint.discover.conda import conda_to_requirement
from ptm_lint.discover.manifests import MAX_BYTES, Requirement
from ptm_lint.discover.project import Project, read_project
from ptm_lint.discover.pyproject import poetry_to_pep440
from ptm_lint.discover.versions import all_at_least, any_at_least


def make(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def by_name(project: Project) -> dict[str, list[Requirement]]:
    out: dict[str, list[Requirement]] = {}
    for r in project.requirements:
        out.setdefault(r.name, []).append(r)
    return out


# ------------------------------------------------------------------------------- requirements.txt


def test_requirements_txt_lines(tmp_path: Path) -> None:
    make(tmp_path, {"requirements.txt": r"""
        # a comment
        --index-url https://download.pytorch.org/whl/cu118
        torch>=2.1,<2.6  # trailing comment
        Transformers==4.31.0 \
            --hash=sha256:aaaa \
            --hash=sha256:bbbb
        numpy ; python_version < "3.12"
        -e .
        -e git+https://github.com/org/repo.git#egg=repo
        git+https://github.com/org/other.git@v1.0
        ./local/pkg
        dist/thing-1.0-py3-none-any.whl
        my_pkg @ https://example.com/my_pkg-1.0.tar.gz
        accelerate[deepspeed]>=0.20
        tokenizers==${TOK_VERSION}
    """})
    project = read_project(tmp_path)
    assert project.errors == ()
    reqs = {r.name: r for r in project.requirements}
    assert set(reqs) == {"torch", "transformers", "numpy", "my-pkg", "accelerate", "tokenizers"}
    assert reqs["torch"] == Requirement("torch", ">=2.1,<2.6", "requirements.txt:3")
    assert reqs["transformers"].specifier == "==4.31.0"
    assert reqs["transformers"].source == "requirements.txt:4"  # first line of a continuation
    assert reqs["numpy"].marker == 'python_version < "3.12"'
    assert reqs["numpy"].specifier == ""
    assert reqs["my-pkg"].specifier == ""  # URL-pinned: declared, no range
    assert reqs["accelerate"].source == "requirements.txt:14"
    assert reqs["tokenizers"].specifier == ""  # env var: unknown version, assume any


def test_requirement_globs_and_folder(tmp_path: Path) -> None:
    make(tmp_path, {
        "requirements-dev.txt": "pytest>=8\n",
        "Requirements_GPU.txt": "torch==2.1.0+cu118\n",
        "requirements/base.txt": "numpy>=1.24\n",
        "requirements/constraints.txt": "numpy<2\n",
        "requirements.in": "ignored>=1\n",
        "docs/requirements.txt": "sphinx\n",  # only the root is read
    })
    project = read_project(tmp_path)
    got = [(r.name, r.source, r.constraint) for r in project.requirements]
    assert got == [
        ("torch", "Requirements_GPU.txt:1", False),
        ("numpy", "requirements/base.txt:1", False),
        ("numpy", "requirements/constraints.txt:1", True),
        ("pytest", "requirements-dev.txt:1", False),
    ]
    assert project.specifier("numpy") == SpecifierSet(">=1.24,<2")


def test_includes_are_relative_to_including_file_and_cycle_safe(tmp_path: Path) -> None:
    make(tmp_path, {
        "requirements.txt": "-r reqs/base.txt\n--requirement=reqs/extra.txt\ntorch>=2\n",
        "reqs/base.txt": "-r ../requirements.txt\n-rextra.txt\nnumpy\n",
        "reqs/extra.txt": "-r base.txt\nscipy>=1.10\n",
    })
    project = read_project(tmp_path)
    assert project.errors == ()
    names = [(r.name, r.source) for r in project.requirements]
    assert sorted(names) == [
        ("numpy", "reqs/base.txt:3"),
        ("scipy", "reqs/extra.txt:2"),
        ("torch", "requirements.txt:3"),
    ]


def test_file_globbed_and_included_is_read_once(tmp_path: Path) -> None:
    make(tmp_path, {
        "requirements.txt": "-r requirements-dev.txt\ntorch\n",
        "requirements-dev.txt": "pytest\n",
    })
    assert [r.name for r in read_project(tmp_path).requirements].count("pytest") == 1


def test_missing_and_remote_includes_are_errors(tmp_path: Path) -> None:
    make(tmp_path, {
        "requirements.txt": "-r nope.txt\n-c https://example.com/c.txt\n-r\ntorch\n",
    })
    project = read_project(tmp_path)
    assert [r.name for r in project.requirements] == ["torch"]
    errors = {(e.line, e.kind) for e in project.errors}
    assert errors == {(1, "io"), (2, "skipped"), (3, "parse")}
    assert all(e.path == "requirements.txt" for e in project.errors)
    assert "nope.txt" in project.errors[0].message


def test_constraints_narrow_but_do_not_declare(tmp_path: Path) -> None:
    make(tmp_path, {
        "requirements.txt": "-c constraints.txt\ntransformers>=4.20\n",
        "constraints.txt": "transformers<4.30\ntorch==2.1.*\n",
        "constraints-extra.txt": "safetensors>=0.4\n",
    })
    project = read_project(tmp_path)
    assert all(r.constraint for r in project.requirements if r.source.startswith("constraints"))
    assert project.declared("transformers")
    assert not project.declared("torch")  # constrained, but nothing depends on it
    assert not project.declared("safetensors")
    assert project.specifier("transformers") == SpecifierSet(">=4.20,<4.30")
    assert project.specifier("torch") == SpecifierSet("==2.1.*")  # bounds it if pulled in
    assert project.specifier("unknown-package") is None
    assert len(by_name(project)["transformers"]) == 2
    assert any_at_least(project.specifier("transformers"), "4.31.0") is False


def test_pip_style_constraint_file_includes_requirements(tmp_path: Path) -> None:
    # pip: `-r` inside a constraints file adds requirements; `-c` keeps them constraints.
    make(tmp_path, {
        "requirements.txt": "-c c/pins.txt\n",
        "c/pins.txt": "-r more.txt\ntorch<2.6\n",
        "c/more.txt": "numpy\n",
    })
    reqs = {r.name: r.constraint for r in read_project(tmp_path).requirements}
    assert reqs == {"torch": True, "numpy": False}


def test_invalid_lines_do_not_lose_valid_ones(tmp_path: Path) -> None:
    make(tmp_path, {"requirements.txt": "torch>=2.6\ntransformers>=>4\n!!!\nnumpy==1.26\n"})
    project = read_project(tmp_path)
    assert [r.name for r in project.requirements] == ["torch", "numpy"]
    assert [(e.path, e.line, e.kind) for e in project.errors] == [
        ("requirements.txt", 2, "parse"),
        ("requirements.txt", 3, "parse"),
    ]
    assert "transformers>=>4" in project.errors[0].message
    assert "\n" not in project.errors[0].message


def test_too_large_and_undecodable_files(tmp_path: Path) -> None:
    make(tmp_path, {
        "requirements.txt": b"torch>=2\n# " + b"x" * MAX_BYTES + b"\n",
        "requirements-bad.txt": b"caf\xe9>=1\n",
        "requirements-ok.txt": "numpy\n",
    })
    project = read_project(tmp_path)
    assert [r.name for r in project.requirements] == ["numpy"]
    kinds = {e.path: e.kind for e in project.errors}
    assert kinds == {"requirements.txt": "skipped", "requirements-bad.txt": "parse"}


def test_utf16_requirements_from_powershell(tmp_path: Path) -> None:
    data = "torch==2.1.0\r\nnumpy==1.26.0\r\n".encode("utf-16")  # with BOM
    make(tmp_path, {"requirements.txt": data})
    project = read_project(tmp_path)
    assert [(r.name, r.specifier) for r in project.requirements] == [
        ("torch", "==2.1.0"),
        ("numpy", "==1.26.0"),
    ]


# --------------------------------------------------------------------------------- pyproject.toml


def test_pyproject_pep621_and_dependency_groups(tmp_path: Path) -> None:
    make(tmp_path, {"pyproject.toml": """
        [project]
        name = "my-app"
        version = "1.2.3"
        dependencies = [
            "torch>=2.1",
            "Transformers[torch] >=4.30, <5",
            'tomli; python_version < "3.11"',
        ]

        [project.optional-dependencies]
        hub = ["huggingface_hub>=0.20"]

        [dependency-groups]
        test = ["pytest>=8"]
        dev = [{include-group = "test"}, "ruff"]
    """})
    project = read_project(tmp_path)
    assert project.errors == ()
    assert (project.name, project.version) == ("my-app", "1.2.3")
    got = [(r.name, r.specifier, r.source, r.extras_group, r.marker) for r in project.requirements]
    assert got == [
        ("torch", ">=2.1", "pyproject.toml:5", None, None),
        ("transformers", ">=4.30,<5", "pyproject.toml:6", None, None),
        ("tomli", "", "pyproject.toml:7", None, 'python_version < "3.11"'),
        ("huggingface-hub", ">=0.20", "pyproject.toml:11", "hub", None),
        ("pytest", ">=8", "pyproject.toml:14", "test", None),
        ("ruff", "", "pyproject.toml:15", "dev", None),
    ]


def test_pyproject_dynamic_version_and_bad_entries(tmp_path: Path) -> None:
    make(tmp_path, {"pyproject.toml": """
        [project]
        name = "x"
        dynamic = ["version"]
        dependencies = ["torch>=2", "not a requirement!", 3, "numpy"]
    """})
    project = read_project(tmp_path)
    assert project.version is None
    assert [r.name for r in project.requirements] == ["torch", "numpy"]
    assert len(project.errors) == 2
    assert project.errors[0].line == 4 and project.errors[0].path == "pyproject.toml"


def test_pyproject_syntax_error_reports_line(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": '[project]\nname = "x"\ndependencies = [\n"torch",\n= oops\n',
        "requirements.txt": "numpy\n",
    })
    project = read_project(tmp_path)
    assert [r.name for r in project.requirements] == ["numpy"]
    assert project.name == tmp_path.name  # pyproject unreadable: folder name
    (error,) = project.errors
    assert (error.path, error.kind, error.line) == ("pyproject.toml", "parse", 5)


def test_uv_and_pdm_tables(tmp_path: Path) -> None:
    make(tmp_path, {"pyproject.toml": """
        [tool.uv]
        dev-dependencies = ["pytest"]
        constraint-dependencies = ["torch<2.6"]

        [tool.pdm.dev-dependencies]
        lint = ["ruff"]
    """})
    got = {(r.name, r.extras_group, r.constraint) for r in read_project(tmp_path).requirements}
    assert got == {("pytest", "dev", False), ("torch", None, True), ("ruff", "lint", False)}


# ----------------------------------------------------------------------------------------- poetry


@pytest.mark.parametrize(
    ("poetry", "pep440"),
    [
        ("^1.2", ">=1.2,<2.0"),
        ("^1.2.3", ">=1.2.3,<2.0.0"),
        ("^0.2.3", ">=0.2.3,<0.3.0"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("^0", ">=0,<1"),
        ("~1.2", ">=1.2,<1.3"),
        ("~1.2.3", ">=1.2.3,<1.3.0"),
        ("~1", ">=1,<2"),
        ("*", ""),
        ("1.2", "==1.2"),
        ("=1.2", "==1.2"),
        ("1.2.*", "==1.2.*"),
        (">=1.2,<2", ">=1.2,<2"),
        (">= 1.2, < 1.5", ">=1.2,<1.5"),
        (">=1.2 <2.0", ">=1.2,<2.0"),
        ("~=2.1", "~=2.1"),
        ("!=1.3", "!=1.3"),
        ("^1.0 || ^2.0", ">=1.0,<3.0"),
    ],
)
def test_poetry_translation(poetry: str, pep440: str) -> None:
    assert poetry_to_pep440(poetry) == pep440


@pytest.mark.parametrize("bad", ["^banana", ">=>1", "~"])
def test_poetry_translation_rejects_garbage(bad: str) -> None:
    with pytest.raises(ValueError):
        poetry_to_pep440(bad)


def test_poetry_project(tmp_path: Path) -> None:
    make(tmp_path, {"pyproject.toml": """
        [tool.poetry]
        name = "poetic"
        version = "0.3.0"

        [tool.poetry.dependencies]
        python = "^3.10"
        torch = "^2.1"
        transformers = {version = "~4.31", extras = ["torch"]}
        peft = {git = "https://github.com/huggingface/peft.git"}
        bitsandbytes = {version = ">=0.41", optional = true}
        numpy = [
            {version = "<2", python = "<3.9"},
            {version = ">=2", python = ">=3.9"},
        ]
        broken = "^not-a-version"

        [tool.poetry.extras]
        quant = ["bitsandbytes"]

        [tool.poetry.group.test.dependencies]
        pytest = "*"

        [tool.poetry.dev-dependencies]
        black = "23.1"
    """})
    project = read_project(tmp_path)
    assert (project.name, project.version) == ("poetic", "0.3.0")
    reqs = by_name(project)
    assert "python" not in reqs
    assert reqs["torch"] == [Requirement("torch", ">=2.1,<3.0", "pyproject.toml:7")]
    assert reqs["transformers"][0].specifier == ">=4.31,<4.32"
    assert reqs["peft"][0].specifier == ""
    assert reqs["bitsandbytes"][0].extras_group == "quant"
    markers = [r.marker for r in reqs["numpy"]]
    assert markers == ['python_version < "3.9"', 'python_version >= "3.9"']
    assert reqs["pytest"][0] == Requirement("pytest", "", "pyproject.toml:21", "test")
    assert reqs["black"][0].specifier == "==23.1" and reqs["black"][0].extras_group == "dev"
    (error,) = project.errors
    assert error.line == 15 and "broken" in error.message
    # Marker alternatives are joined, not intersected (which would allow nothing).
    assert project.specifier("numpy") == SpecifierSet("")


# -------------------------------------------------------------------------------------- setup.cfg


def test_setup_cfg(tmp_path: Path) -> None:
    make(tmp_path, {
        "setup.cfg": """
            [metadata]
            name = legacy-app
            version = attr: legacy.__version__

            [options]
            install_requires =
                torch>=1.13
                # a comment
                transformers>=4.20  # inline comment
                bad requirement!!

            [options.extras_require]
            hub = huggingface_hub>=0.16; tensorflow-hub
            dev = file: dev-requirements.txt
        """,
        "dev-requirements.txt": "pytest\n",
    })
    project = read_project(tmp_path)
    assert (project.name, project.version) == ("legacy-app", None)
    got = [(r.name, r.specifier, r.source, r.extras_group) for r in project.requirements]
    assert got == [
        ("torch", ">=1.13", "setup.cfg:7", None),
        ("transformers", ">=4.20", "setup.cfg:9", None),
        ("huggingface-hub", ">=0.16", "setup.cfg:13", "hub"),
        ("tensorflow-hub", "", "setup.cfg:13", "hub"),
        ("pytest", "", "dev-requirements.txt:1", "dev"),
    ]
    (error,) = project.errors
    assert (error.path, error.line) == ("setup.cfg", 10)


def test_setup_cfg_syntax_error(tmp_path: Path) -> None:
    make(tmp_path, {"setup.cfg": "install_requires = torch\n"})
    project = read_project(tmp_path)
    assert project.requirements == ()
    assert project.errors[0].path == "setup.cfg" and project.errors[0].kind == "parse"


def test_name_precedence(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": '[tool.poetry]\nname = "from-poetry"\nversion = "2.0"\n',
        "setup.cfg": "[metadata]\nname = from-cfg\nversion = 1.0\n",
    })
    project = read_project(tmp_path)
    assert (project.name, project.version) == ("from-poetry", "2.0")
    assert read_project(tmp_path / "missing").errors[0].kind == "io"  # never raises


# -------------------------------------------------------------------------------- environment.yml


def test_environment_yml(tmp_path: Path) -> None:
    make(tmp_path, {
        "environment.yml": """
            name: ml
            channels: [pytorch, conda-forge]
            dependencies:
              - python=3.10
              - pytorch=2.1
              - conda-forge::transformers>=4.30,<5
              - tensorflow-hub
              - numpy 1.26.*
              - pytorch-cuda=11.8=h7e8668a_5
              - bad spec ???
              - pip
              - pip:
                - timm>=0.9
                - -r requirements-pip.txt
                - --extra-index-url https://example.com
        """,
        "requirements-pip.txt": "open_clip_torch\n",
    })
    project = read_project(tmp_path)
    got = [(r.name, r.specifier, r.source) for r in project.requirements]
    assert got == [
        # requirements-pip.txt is itself a root requirements file, read first
        ("open-clip-torch", "", "requirements-pip.txt:1"),
        ("torch", "==2.1.*", "environment.yml:5"),
        ("transformers", ">=4.30,<5", "environment.yml:6"),
        ("tensorflow-hub", "", "environment.yml:7"),
        ("numpy", "==1.26.*", "environment.yml:8"),
        ("pytorch-cuda", "==11.8.*", "environment.yml:9"),
        ("pip", "", "environment.yml:11"),
        ("timm", ">=0.9", "environment.yml:13"),
    ]
    (error,) = project.errors
    assert (error.path, error.line, error.kind) == ("environment.yml", 10, "parse")
    assert all_at_least(project.specifier("torch"), "2.6") is False


def test_environment_yaml_invalid(tmp_path: Path) -> None:
    make(tmp_path, {"environment.yaml": "dependencies:\n  - a\n - b: [\n"})
    project = read_project(tmp_path)
    assert project.requirements == ()
    assert project.errors[0].path == "environment.yaml" and project.errors[0].line is not None


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("pytorch=2.1", ("torch", "==2.1.*")),
        ("pytorch==2.1.0", ("torch", "==2.1.0")),
        ("pytorch>=2.0", ("torch", ">=2.0")),
        ("pytorch-gpu", ("torch", "")),
        ("python=3.10", None),
        ("tensorflow-hub=0.15", ("tensorflow-hub", "==0.15.*")),
        ("conda-forge::pytorch==2.1.0=py310_0", ("torch", "==2.1.0")),
        ("numpy 1.11*", ("numpy", "==1.11.*")),
        ("numpy >= 1.2, <2", ("numpy", ">=1.2,<2")),
        ("numpy 1.11 py36_0", ("numpy", "==1.11")),
        ("pytorch[version='>=2.0,<3']", ("torch", ">=2.0,<3")),
        ("numpy=1.11.1|1.11.3", ("numpy", ">=1.11.1,<=1.11.3")),
    ],
)
def test_conda_specs(spec: str, expected: tuple[str, str] | None) -> None:
    assert conda_to_requirement(spec) == expected


# -------------------------------------------------------------------------------- version algebra


@pytest.mark.parametrize(
    ("spec", "version", "expected"),
    [
        (">=2.6", "2.6", True),
        (">2.5", "2.6", False),
        ("==2.6.*", "2.6", True),
        ("~=2.6.0", "2.6", True),
        ("~=2.6", "2.6", True),
        ("~=2.5", "2.6", False),
        (">=2.1,<3", "2.6", False),
        ("", "2.6", False),
        (None, "2.6", None),
        (">=2.6,!=2.6.1", "2.6", True),
        ("<2.6", "2.6", False),
        ("==2.6.0", "2.6", True),
        ("==2.5.1", "2.6", False),
        ("==2.1.0+cu118", "2.6", False),
        (">=2.6.0rc1", "2.6", True),  # pre-releases of 2.6 itself are not "below"
        (">=2.6.0.dev0", "2.6.0", True),
        (">=2.5.99", "2.6", False),
        ("!=2.5", "2.6", False),
        ("==2.6.*,!=2.6.0", "2.6", True),
        ("===2.7", "2.6", True),
        ("===weird", "2.6", False),
        (">=2.6,<2.0", "2.6", True),  # unsatisfiable: vacuously
        (">=3", "2.6", True),
        (">=1!1.0", "2.6", True),  # epochs dominate
    ],
)
def test_all_at_least(spec: str | None, version: str, expected: bool | None) -> None:
    assert all_at_least(None if spec is None else SpecifierSet(spec), version) is expected


@pytest.mark.parametrize(
    ("spec", "version", "expected"),
    [
        (">=4.20,<4.40", "4.31.0", True),
        ("<4.30", "4.31.0", False),
        ("<4.31", "4.31.0", False),  # `<V` excludes V's own pre-releases
        ("<=4.31", "4.31.0", True),
        ("<4.31.1", "4.31.0", True),
        ("==4.31.*", "4.31.0", True),
        ("==4.30.*", "4.31.0", False),
        ("~=4.30.0", "4.31.0", False),
        ("~=4.30", "4.31.0", True),
        ("", "4.31.0", True),
        (None, "4.31.0", None),
        (">=5", "4.31.0", True),
        ("==4.31.0rc1", "4.31.0", False),
        ("!=4.31.0,<4.31.1", "4.31.0", True),
        ("<3,>4", "4.31.0", False),
    ],
)
def test_any_at_least(spec: str | None, version: str, expected: bool | None) -> None:
    assert any_at_least(None if spec is None else SpecifierSet(spec), version) is expected


def test_specifier_intersects_and_joins_marker_alternatives(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": '[project]\nname = "x"\ndependencies = ["torch>=2.0"]\n',
        "requirements.txt": """
            torch>=2.6 ; python_version >= "3.9"
            torch>=2.7 ; python_version < "3.9"
            numpy<2 ; sys_platform == "linux"
            numpy>=1.20
        """,
    })
    project = read_project(tmp_path)
    torch = project.specifier("torch")
    assert torch == SpecifierSet(">=2.0,>=2.6")
    assert all_at_least(torch, "2.6") is True
    assert project.specifier("numpy") == SpecifierSet(">=1.20,<2")
    assert project.specifier("NumPy") == project.specifier("numpy")  # names are canonicalized
    assert project.declared("Torch") and not project.declared("jax")


# ------------------------------------------------------------------------------------- Pipfile


def test_pipfile(tmp_path: Path) -> None:
    make(tmp_path, {"Pipfile": """
        [[source]]
        url = "https://pypi.org/simple"
        verify_ssl = true
        name = "pypi"

        [packages]
        torch = "==2.1.2"
        transformers = {version = ">=4.36,<4.40", extras = ["torch"]}
        fastapi = "*"
        bitsandbytes = {version = ">=0.41", markers = "sys_platform == 'linux'"}
        mylib = {git = "https://github.com/org/mylib.git", ref = "v1"}

        [dev-packages]
        pytest = ">=8"

        [requires]
        python_version = "3.11"
    """})
    project = read_project(tmp_path)
    assert project.errors == ()
    got = {(r.name, r.specifier, r.source, r.extras_group, r.marker) for r in project.requirements}
    assert got == {
        ("torch", "==2.1.2", "Pipfile:7", None, None),
        ("transformers", ">=4.36,<4.40", "Pipfile:8", None, None),
        ("fastapi", "", "Pipfile:9", None, None),
        ("bitsandbytes", ">=0.41", "Pipfile:10", None, 'sys_platform == "linux"'),
        ("mylib", "", "Pipfile:11", None, None),
        ("pytest", ">=8", "Pipfile:14", "dev", None),
    }
    assert str(project.specifier("torch")) == "==2.1.2"


def test_pipfile_errors_are_reported_and_reading_goes_on(tmp_path: Path) -> None:
    make(tmp_path, {"Pipfile": """
        [packages]
        torch = ">=2.1,<<3"
        "bad name" = "*"
        numpy = 3
        requests = ">=2"
    """})
    project = read_project(tmp_path)
    assert [(e.path, e.line) for e in project.errors] == [("Pipfile", 2), ("Pipfile", 3), ("Pipfile", 4)]
    assert [r.name for r in project.requirements] == ["requests"]
    make(tmp_path, {"Pipfile": "[packages\n"})
    assert [e.kind for e in read_project(tmp_path).errors] == ["parse"]
