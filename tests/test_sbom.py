"""Model SBOM (CycloneDX 1.6 / 1.7 ML-BOM): validity, identities, evidence, graph, reproducibility."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from packageurl import PackageURL

from ptm_lint.cli import main
from ptm_lint.core import Reference
from ptm_lint.discover.project import read_project
from ptm_lint.hub.model import FileInfo, ModelMeta
from ptm_lint.pipeline import scan_paths, scan_text
from ptm_lint.report.inventory import inventory_json
from ptm_lint.sbom import SbomError, SbomOptions, generate, validate
from ptm_lint.sbom.plan import plan

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "testdata" / "demo-app"
SPECS = ("1.6", "1.7")
SHA40 = re.compile(r"[0-9a-f]{40}")


def strict_errors(text: str, fmt: str, spec: str) -> list[str]:
    """Validate with cyclonedx-python-lib's own validators, directly (not through ptm-lint)."""
    from cyclonedx.schema import SchemaVersion

    version = SchemaVersion.from_version(spec)
    if fmt == "json":
        from cyclonedx.validation.json import JsonStrictValidator

        errors = JsonStrictValidator(version).validate_str(text, all_errors=True)
    else:
        from cyclonedx.validation.xml import XmlValidator

        errors = XmlValidator(version).validate_str(text, all_errors=True)
    return [str(e) for e in errors] if errors else []


@pytest.fixture(scope="module")
def demo():
    result = scan_paths([DEMO], root=DEMO)
    return result, read_project(DEMO)


@pytest.fixture(scope="module")
def demo_doc(demo):
    result, project = demo
    return json.loads(generate(result.references, project, SbomOptions(validate=False)))


def props(component: dict, name: str) -> list[str]:
    return [p["value"] for p in component.get("properties", []) if p["name"] == f"ptm-lint:{name}"]


def by_ref(doc: dict) -> dict[str, dict]:
    return {c["bom-ref"]: c for c in doc["components"]}


def edges(doc: dict) -> dict[str, set[str]]:
    return {d["ref"]: set(d.get("dependsOn", [])) for d in doc["dependencies"]}


def models(doc: dict) -> list[dict]:
    return [c for c in doc["components"] if c["type"] in ("machine-learning-model", "data")]


# ------------------------------------------------------------------------------------ validity


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("fmt", ("json", "xml"))
def test_demo_app_offline_is_valid(demo, fmt, spec):
    result, project = demo
    text = generate(result.references, project, SbomOptions(fmt=fmt, spec_version=spec, validate=False))
    assert strict_errors(text, fmt, spec) == []
    if fmt == "json":
        doc = json.loads(text)
        assert doc["specVersion"] == spec and doc["bomFormat"] == "CycloneDX"
    else:
        root = ET.fromstring(text)
        assert root.tag == f"{{http://cyclonedx.org/schema/bom/{spec}}}bom"


def test_validator_is_not_vacuous():
    refs = scan_text('from transformers import AutoModel\nAutoModel.from_pretrained("org/m")\n')
    broken = json.loads(generate(refs, None, SbomOptions(validate=True)))
    broken["components"][0]["type"] = "magic"
    assert strict_errors(json.dumps(broken), "json", "1.6")
    assert validate(json.dumps(broken), "json", "1.6")


def test_unknown_format_and_version_are_errors(demo):
    result, project = demo
    with pytest.raises(SbomError):
        generate(result.references, project, SbomOptions(fmt="spdx"))
    with pytest.raises(SbomError):
        generate(result.references, project, SbomOptions(spec_version="1.4"))


def test_empty_project_is_valid(tmp_path):
    (tmp_path / "app.py").write_text("print('no models here')\n")
    for fmt in ("json", "xml"):
        text = generate((), read_project(tmp_path), SbomOptions(fmt=fmt, validate=True))
        assert strict_errors(text, fmt, "1.6") == []
    doc = json.loads(generate((), read_project(tmp_path)))
    assert doc["metadata"]["component"]["name"] == tmp_path.name
    assert "components" not in doc or doc["components"] == []


# ----------------------------------------------------------------------- root and libraries


def test_root_component_is_the_project(demo_doc):
    root = demo_doc["metadata"]["component"]
    assert (root["type"], root["name"], root["version"]) == ("application", "demo-app", "0.3.1")
    tools = demo_doc["metadata"]["tools"]["components"]
    assert [t["name"] for t in tools] == ["ptm-lint"]


def test_libraries_carry_the_declared_versions(demo_doc):
    libs = {c["name"]: c for c in demo_doc["components"] if c["type"] == "library"}
    assert {"transformers", "torch", "torchvision", "tensorflow-hub", "huggingface-hub", "datasets",
            "sentence-transformers", "timm", "kagglehub"} <= set(libs)
    # pyproject declares >=4.30,<4.50; requirements.txt pins ==4.44.2: the pin is the version.
    transformers = libs["transformers"]
    assert transformers["version"] == "4.44.2"
    assert transformers["purl"] == "pkg:pypi/transformers@4.44.2"
    spec = props(transformers, "declared-specifier")
    assert len(spec) == 1 and {"<4.50", ">=4.30", "==4.44.2"} == set(spec[0].split(","))
    assert set(props(transformers, "declared-in")) == {"pyproject.toml:14", "requirements.txt:4"}
    assert props(transformers, "declared") == ["true"]


def test_library_range_without_pin_has_no_version(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "2.0"\ndependencies = ["transformers>=4.30,<5"]\n')
    (tmp_path / "app.py").write_text(
        'from transformers import AutoModel\nimport torch\n'
        'AutoModel.from_pretrained("org/m")\nhub = torch.hub.load("owner/repo", "net")\n')
    result = scan_paths([tmp_path], root=tmp_path)
    doc = json.loads(generate(result.references, read_project(tmp_path), SbomOptions(validate=True)))
    libs = {c["name"]: c for c in doc["components"] if c["type"] == "library"}
    assert "version" not in libs["transformers"]
    assert libs["transformers"]["purl"] == "pkg:pypi/transformers"
    assert props(libs["transformers"], "declared-specifier") == ["<5,>=4.30"]
    # torch is used but not declared: listed, marked, no version.
    assert "version" not in libs["torch"] and props(libs["torch"], "declared") == ["false"]
    assert doc["metadata"]["component"]["name"] == "svc"


# --------------------------------------------------------------------- identities and versions


def test_no_mutable_version_ever(demo, demo_doc):
    result, _ = demo
    pins_by_ref = {}
    for entry in plan(result.references).entries:
        pins_by_ref[entry.bom_ref] = {ref.pin for _, ref in entry.references}
    for component in models(demo_doc):
        version = component.get("version")
        purl = PackageURL.from_string(component["purl"]) if "purl" in component else None
        if version is None:
            assert purl is None or purl.version is None, component["bom-ref"]
            continue
        assert pins_by_ref[component["bom-ref"]] == {"immutable"}, component["bom-ref"]
        assert version not in ("main", "master") and not version.startswith("v")
        if purl is not None:
            assert purl.version == version
        hub = props(component, "hub")[0]
        if hub in ("huggingface", "torch_hub"):
            assert SHA40.fullmatch(version)
        elif hub in ("tf_hub", "kaggle"):
            assert version.isdigit()


def test_huggingface_purls(demo_doc):
    refs = by_ref(demo_doc)
    sha = "420d06cd5345615eb7e0aa1fb2dad25e6998a231"
    pinned = refs[f"pkg:huggingface/acme-ml/ticket-classifier-distilbert@{sha}"]
    assert pinned["version"] == sha and pinned["group"] == "acme-ml"
    assert pinned["name"] == "ticket-classifier-distilbert"
    assert pinned["purl"] == f"pkg:huggingface/acme-ml/ticket-classifier-distilbert@{sha}"

    tag = refs["huggingface:acme-ml/ticket-classifier-distilbert@v1.4"]
    assert "version" not in tag and tag["purl"] == "pkg:huggingface/acme-ml/ticket-classifier-distilbert"
    assert props(tag, "revision") == ["v1.4"] and props(tag, "pin") == ["weak"]

    for ref in ("huggingface:acme-ml/ticket-classifier-distilbert@main",
                "huggingface:acme-ml/ticket-classifier-distilbert@refs/pr/12",
                "huggingface:facebook/bart-large-mnli@d7645e1", "huggingface:microsoft/phi-2"):
        assert "version" not in refs[ref], ref
        assert "@" not in refs[ref]["purl"], ref

    # Legacy un-namespaced ids get their canonical namespaced purl; the id as written is kept.
    bert = refs["huggingface:google-bert/bert-base-uncased"]
    assert bert["purl"] == "pkg:huggingface/google-bert/bert-base-uncased"
    assert props(bert, "id-as-written") == ["bert-base-uncased"]
    assert set(props(bert, "role")) == {"model", "tokenizer", "config"}
    gpt2 = refs["huggingface:openai-community/gpt2"]
    assert gpt2["purl"] == "pkg:huggingface/openai-community/gpt2"

    links = {(e["type"], e["url"]) for e in pinned["externalReferences"]}
    assert links == {
        ("model-card", f"https://huggingface.co/acme-ml/ticket-classifier-distilbert/blob/{sha}/README.md"),
        ("distribution", f"https://huggingface.co/acme-ml/ticket-classifier-distilbert/tree/{sha}")}
    assert {(e["type"], e["url"]) for e in refs["huggingface:microsoft/phi-2"]["externalReferences"]} == {
        ("model-card", "https://huggingface.co/microsoft/phi-2")}
    pr = refs["huggingface:acme-ml/ticket-classifier-distilbert@refs/pr/12"]["externalReferences"]
    assert {"type": "distribution",
            "url": "https://huggingface.co/acme-ml/ticket-classifier-distilbert/tree/refs%2Fpr%2F12"} in pr


def test_purl_case_rules():
    refs = scan_text('from transformers import AutoModel\n'
                     'AutoModel.from_pretrained("EleutherAI/gpt-neo-1.3B", '
                     'revision="797174552ae47f449ab70b684cabcb6603e5e85e")\n')
    doc = json.loads(generate(refs, None, SbomOptions(validate=True)))
    (component,) = models(doc)
    # namespace and name keep their case; the commit is lowercase.
    assert component["purl"] == "pkg:huggingface/EleutherAI/gpt-neo-1.3B@797174552ae47f449ab70b684cabcb6603e5e85e"


def test_other_hubs(demo_doc):
    refs = by_ref(demo_doc)
    dino = refs["pkg:github/facebookresearch/dinov2@258dd0e5b0d0bd195e96352dfcb317ff9a49361d"]
    assert dino["version"] == "258dd0e5b0d0bd195e96352dfcb317ff9a49361d"
    assert props(dino, "torch-hub-entrypoint") == ["dinov2_vits14"]
    vision = refs["torch_hub:pytorch/vision@v0.16.0"]
    assert "version" not in vision and vision["purl"] == "pkg:github/pytorch/vision"
    assert props(vision, "revision") == ["v0.16.0"]
    assert refs["torch_hub:ultralytics/yolov5"]["purl"] == "pkg:github/ultralytics/yolov5"

    elmo = refs["tf_hub:google/elmo@3"]
    assert "purl" not in elmo and elmo["version"] == "3"
    assert {"type": "distribution", "url": "https://tfhub.dev/google/elmo/3"} in elmo["externalReferences"]
    nnlm = refs["tf_hub:google/nnlm-en-dim128"]
    assert "purl" not in nnlm and "version" not in nnlm
    kaggle = refs["kaggle:google/universal-sentence-encoder/tensorFlow2/large@2"]
    assert "purl" not in kaggle and kaggle["version"] == "2"
    assert {"type": "distribution",
            "url": "https://www.kaggle.com/models/google/universal-sentence-encoder/tensorFlow2/large/2"} \
        in kaggle["externalReferences"]
    gemma = refs["kaggle:keras/gemma/keras/gemma_2b_en"]
    assert "purl" not in gemma and "version" not in gemma

    # Weights a library's builder chooses: named after the library, hub `library` (not `url`).
    resnet = refs["library:torchvision/resnet50@DEFAULT"]
    assert "purl" not in resnet and "version" not in resnet and props(resnet, "pin") == ["library"]
    assert props(resnet, "hub") == ["library"] and resnet["group"] == "torchvision"
    download = refs["url:https://download.pytorch.org/models/resnet50-11ad3fa6.pth@11ad3fa6"]
    assert "version" not in download  # the hash in the name is not checked (check_hash=False): weak
    assert download["purl"].startswith("pkg:generic/resnet50-11ad3fa6.pth?download_url=")
    local = refs["local:./checkpoints/last"]
    assert "purl" not in local and props(local, "hub") == ["local"]


def test_datasets_are_data_components(demo_doc):
    data = [c for c in demo_doc["components"] if c["type"] == "data"]
    assert {c["bom-ref"] for c in data} == {
        "huggingface-dataset:acme-ml/support-tickets",
        "pkg:huggingface/acme-ml/support-tickets@ec62ce2e086348abcfb9ee7d9773f00c9533673d"
        "?repository_url=https://huggingface.co/datasets",
    }
    for component in data:
        assert component["data"][0]["type"] == "dataset"
        assert component["data"][0]["contents"]["url"] == "https://huggingface.co/datasets/acme-ml/support-tickets"
        assert PackageURL.from_string(component["purl"]).qualifiers == {
            "repository_url": "https://huggingface.co/datasets"}


def test_bom_refs_are_unique(demo_doc):
    refs = [c["bom-ref"] for c in demo_doc["components"]]
    refs += [n["bom-ref"] for c in demo_doc["components"] for n in c.get("components", [])]
    refs.append(demo_doc["metadata"]["component"]["bom-ref"])
    assert len(refs) == len(set(refs))


# ----------------------------------------------------------------------------------- evidence


def test_evidence_occurrences_equal_the_inventory(demo, demo_doc):
    result, _ = demo
    inventory = inventory_json(result.report())
    refs = inventory["references"]
    seen = Counter()
    for component in models(demo_doc):
        for occ in component["evidence"]["occurrences"]:
            seen[(occ["location"], occ["line"], occ["symbol"], component["bom-ref"])] += 1
    # Every inventory reference is exactly one occurrence, and nothing else is.
    expected = Counter()
    plan_refs = {i: e.bom_ref for e in plan(result.references).entries for i, _ in e.references}
    for index, ref in enumerate(refs):
        expected[(ref["path"], ref["line"], ref["api"], plan_refs[index])] += 1
    assert seen == expected
    assert sum(seen.values()) == len(refs)

    # Per inventory model (hub, canonical), the occurrences of its components are its references.
    for model in inventory["models"]:
        wanted = Counter((refs[i]["path"], refs[i]["line"], refs[i]["api"]) for i in model["references"])
        got = Counter()
        for component in models(demo_doc):
            entry_refs = [i for i, r in plan_refs.items() if r == component["bom-ref"]]
            if entry_refs and all((refs[i]["hub"], refs[i]["canonical"] or refs[i]["model"])
                                  == (model["hub"], model["canonical"]) for i in entry_refs):
                got.update((o["location"], o["line"], o["symbol"]) for o in component["evidence"]["occurrences"])
        assert got == wanted, model["canonical"]


def test_occurrence_details(demo_doc):
    refs = by_ref(demo_doc)
    occ = refs["huggingface-dataset:acme-ml/support-tickets"]["evidence"]["occurrences"]
    notebook = [o for o in occ if o["location"] == "notebooks/explore.ipynb"]
    assert notebook and notebook[0]["additionalContext"].startswith("cell 3, line 8,")
    assert notebook[0]["line"] == 8 and notebook[0]["symbol"] == "datasets.load_dataset"
    identity = refs["pkg:huggingface/acme-ml/ticket-classifier-onnx@c1cd8d4895ecb7e3c6ba461d665b1d53cc212926"][
        "evidence"]["identity"][0]
    assert identity["field"] == "purl" and identity["confidence"] == 1
    assert identity["methods"][0]["technique"] == "source-code-analysis"


def test_unknown_ids_are_listed_and_marked(demo, demo_doc):
    result, _ = demo
    unknown = [r for r in result.references if r.canonical is None and r.model is None]
    assert len(unknown) == 5
    marked = [c for c in models(demo_doc) if props(c, "unresolved") == ["true"]]
    assert len(marked) == len(unknown)
    located = {(c["evidence"]["occurrences"][0]["location"], c["evidence"]["occurrences"][0]["line"])
               for c in marked}
    assert located == {(r.path, r.line) for r in unknown}
    for component in marked:
        assert "purl" not in component and "version" not in component
        assert len(component["evidence"]["occurrences"]) == 1
        assert component["description"]
        assert "identity" not in component["evidence"]
    default = by_ref(demo_doc)["unresolved:app/server.py:54:11"]
    assert default["name"] == "default model of transformers.pipeline for task sentiment-analysis (app/server.py:54)"
    # Dependency-Track lists components by name: each unresolved load names its call site.
    names = [c["name"] for c in marked]
    assert len(set(names)) == len(names)
    assert "unresolved model loaded by transformers.AutoTokenizer.from_pretrained (app/server.py:62)" in names
    assert props(default, "pin") == ["library"]


def test_unresolved_revision_is_its_own_component(demo_doc):
    refs = by_ref(demo_doc)
    # legacy.py:57 passes **hub_kwargs, which may carry a revision: not the same as "no revision".
    component = refs["huggingface:acme-ml/ticket-encoder@(unresolved)"]
    assert props(component, "revision-unresolved") == ["true"]
    assert [o["line"] for o in component["evidence"]["occurrences"]] == [57]
    assert "version" not in component and component["purl"] == "pkg:huggingface/acme-ml/ticket-encoder"


# ------------------------------------------------------------------------------- dependencies


def test_dependency_edges(demo, demo_doc):
    result, _ = demo
    graph = edges(demo_doc)
    root = demo_doc["metadata"]["component"]["bom-ref"]
    libs = {c["bom-ref"]: c["name"] for c in demo_doc["components"] if c["type"] == "library"}
    assert graph[root] == set(libs)
    entries = {e.bom_ref: e for e in plan(result.references).entries}
    lib_ref = {name: ref for ref, name in libs.items()}
    for bom_ref, entry in entries.items():
        if not entry.references:
            continue
        for _, ref in entry.references:
            assert bom_ref in graph[lib_ref[ref.library]], (bom_ref, ref.library)
    transformers = graph[lib_ref["transformers"]]
    assert "huggingface:google-bert/bert-base-uncased" in transformers
    assert "unresolved:app/legacy.py:66:12" in transformers
    assert "huggingface:google-bert/bert-base-uncased" not in graph[lib_ref["torch"]]
    assert "pkg:github/facebookresearch/dinov2@258dd0e5b0d0bd195e96352dfcb317ff9a49361d" in graph[lib_ref["torch"]]
    # Every edge points at a component of the BOM.
    known = {c["bom-ref"] for c in demo_doc["components"]} | {root}
    assert all(target in known for targets in graph.values() for target in targets)


# ------------------------------------------------------------------------------- hub metadata

SHA = "0123456789abcdef0123456789abcdef01234567"
FT_SOURCE = f'''
from transformers import AutoModel, AutoTokenizer
model = AutoModel.from_pretrained("acme/ticket-ft", revision="{SHA}")
tok = AutoTokenizer.from_pretrained("acme/ticket-ft", revision="{SHA}")
unpinned = AutoModel.from_pretrained("acme/ticket-ft")
base = AutoModel.from_pretrained("bert-base-uncased")
'''


def ft_metadata() -> dict:
    ft = ModelMeta(
        repo_id="acme/ticket-ft", requested="acme/ticket-ft", revision=SHA, source="hub", sha=SHA,
        license="apache-2.0", base_models=("distilbert-base-uncased",), datasets=("acme/tickets", "imdb"),
        pipeline_tag="text-classification", library_name="transformers",
        files=(FileInfo("config.json", 600, None, "b" * 40),
               FileInfo("model.safetensors", 267_000_000, "A" * 64),
               FileInfo("pytorch_model.bin", 268_000_000, "c" * 64)),
    )
    head = ModelMeta(repo_id="acme/ticket-ft", requested="acme/ticket-ft", revision=None, source="hub",
                     sha="f" * 40, license="cc-by-nc-4.0", base_models=("distilbert-base-uncased",))
    distil = ModelMeta(repo_id="distilbert/distilbert-base-uncased", requested="distilbert/distilbert-base-uncased",
                       revision=None, source="hub", sha="e" * 40, license="apache-2.0",
                       base_models=("bert-base-uncased",), pipeline_tag="fill-mask")
    bert = ModelMeta(repo_id="google-bert/bert-base-uncased", requested="bert-base-uncased", revision=None,
                     source="hub", sha="d" * 40, license="other", license_name="bert-custom")
    return {
        ("huggingface", "acme/ticket-ft", SHA): ft,
        ("huggingface", "acme/ticket-ft", None): head,
        ("huggingface", "distilbert/distilbert-base-uncased", None): distil,
        ("huggingface", "google-bert/bert-base-uncased", None): bert,
    }


@pytest.fixture(scope="module")
def ft_doc():
    refs = scan_text(FT_SOURCE, "app.py")
    return json.loads(generate(refs, None, SbomOptions(validate=False), metadata=ft_metadata()))


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("fmt", ("json", "xml"))
def test_metadata_sbom_is_valid(fmt, spec):
    refs = scan_text(FT_SOURCE, "app.py")
    text = generate(refs, None, SbomOptions(fmt=fmt, spec_version=spec, validate=True), metadata=ft_metadata())
    assert strict_errors(text, fmt, spec) == []
    if fmt == "xml":
        ns = {"c": f"http://cyclonedx.org/schema/bom/{spec}"}
        root = ET.fromstring(text)
        card = root.find(f".//c:component[@bom-ref='pkg:huggingface/acme/ticket-ft@{SHA}']/c:modelCard", ns)
        assert card is not None
        assert card.find("c:modelParameters/c:task", ns).text == "text-classification"
        assert [r.text for r in card.findall("c:modelParameters/c:datasets/c:ref", ns)] == [
            "huggingface-dataset:acme/tickets", "huggingface-dataset:imdb"]


def test_licenses_and_file_hashes(ft_doc):
    refs = by_ref(ft_doc)
    ft = refs[f"pkg:huggingface/acme/ticket-ft@{SHA}"]
    assert ft["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    files = {f["name"]: f for f in ft["components"]}
    assert set(files) == {"model.safetensors", "pytorch_model.bin"}  # config.json has no sha256
    assert files["model.safetensors"]["hashes"] == [{"alg": "SHA-256", "content": "a" * 64}]
    assert files["model.safetensors"]["type"] == "file"
    assert refs["huggingface:acme/ticket-ft"]["licenses"] == [{"license": {"id": "CC-BY-NC-4.0"}}]
    assert refs["huggingface:google-bert/bert-base-uncased"]["licenses"] == [{"license": {"name": "bert-custom"}}]
    # Metadata never turns an unpinned reference into a versioned one; the resolved commit is a property.
    head = refs["huggingface:acme/ticket-ft"]
    assert "version" not in head and "@" not in head["purl"]
    assert props(head, "resolved-sha") == ["f" * 40]
    assert props(ft, "resolved-sha") == []


def test_model_card(ft_doc):
    refs = by_ref(ft_doc)
    card = refs[f"pkg:huggingface/acme/ticket-ft@{SHA}"]["modelCard"]
    params = card["modelParameters"]
    assert params["task"] == "text-classification"
    targets = [d["ref"] for d in params["datasets"]]
    assert targets == ["huggingface-dataset:acme/tickets", "huggingface-dataset:imdb"]
    for target in targets:
        assert refs[target]["type"] == "data" and props(refs[target], "origin") == ["dataset"]
    assert "purl" not in refs["huggingface-dataset:imdb"]  # no namespace: no purl
    assert refs["huggingface-dataset:acme/tickets"]["purl"] == \
        "pkg:huggingface/acme/tickets?repository_url=https://huggingface.co/datasets"
    assert "modelCard" not in refs["huggingface:google-bert/bert-base-uncased"]  # nothing to say


def test_base_model_pedigree_and_edges(ft_doc):
    refs = by_ref(ft_doc)
    graph = edges(ft_doc)
    ft_ref = f"pkg:huggingface/acme/ticket-ft@{SHA}"
    distil_ref = "huggingface:distilbert/distilbert-base-uncased"
    bert_ref = "huggingface:google-bert/bert-base-uncased"
    ancestors = refs[ft_ref]["pedigree"]["ancestors"]
    assert [(a["group"], a["name"], a["purl"]) for a in ancestors] == [
        ("distilbert", "distilbert-base-uncased", "pkg:huggingface/distilbert/distilbert-base-uncased")]
    assert "bom-ref" not in ancestors[0]  # the top-level component owns the bom-ref
    assert graph[ft_ref] == {distil_ref}
    assert graph["huggingface:acme/ticket-ft"] == {distil_ref}
    # The base model of the base model, followed transitively; it is also loaded by the code,
    # so the code's component is reused (with its evidence) rather than duplicated.
    assert graph[distil_ref] == {bert_ref}
    assert refs[distil_ref]["pedigree"]["ancestors"][0]["purl"] == "pkg:huggingface/google-bert/bert-base-uncased"
    assert props(refs[distil_ref], "origin") == ["base-model"]
    assert "evidence" not in refs[distil_ref]
    assert props(refs[bert_ref], "origin") == ["code"]
    assert [o["line"] for o in refs[bert_ref]["evidence"]["occurrences"]] == [6]
    assert graph[bert_ref] == set()
    # Base models reached only through metadata hang off the model, not off a library.
    transformers = graph["pkg:pypi/transformers"]
    assert distil_ref not in transformers and bert_ref in transformers and ft_ref in transformers


def test_failed_lookup_is_a_property_not_data():
    refs = scan_text('from transformers import AutoModel\nAutoModel.from_pretrained("acme/gone")\n')
    meta = ModelMeta(repo_id="acme/gone", requested="acme/gone", revision=None, source="hub", status="not_found",
                     message="404 Not Found", license="mit")
    doc = json.loads(generate(refs, None, SbomOptions(validate=True),
                              metadata={("huggingface", "acme/gone", None): meta}))
    (component,) = models(doc)
    assert props(component, "hub-status") == ["not_found"] and "licenses" not in component


def test_resolver_dataset_keys_are_understood():
    refs = scan_text('import datasets\ndatasets.load_dataset("acme/tickets")\n')
    meta = ModelMeta(repo_id="acme/tickets", requested="acme/tickets", revision=None, source="hub",
                     repo_type="dataset", license="cc-by-4.0", sha="1" * 40)
    doc = json.loads(generate(refs, None, SbomOptions(validate=True),
                              metadata={("huggingface", "datasets/acme/tickets", None): meta}))
    (component,) = models(doc)
    assert component["type"] == "data" and component["licenses"] == [{"license": {"id": "CC-BY-4.0"}}]


# ---------------------------------------------------------------------------- reproducibility


def _run_cli(args: list[str], env_extra: dict[str, str], seed: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env.update(env_extra, PYTHONHASHSEED=seed)
    return subprocess.run([sys.executable, "-m", "ptm_lint", *args], capture_output=True, text=True, env=env,
                          cwd=REPO, check=False)


@pytest.mark.parametrize("fmt", ("cyclonedx-json", "cyclonedx-xml"))
def test_source_date_epoch_gives_byte_identical_output(tmp_path, fmt):
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"sbom-{seed}"
        env = {"SOURCE_DATE_EPOCH": "1700000000", "HF_HOME": str(tmp_path / "hf")}
        proc = _run_cli(["sbom", str(DEMO), "--format", fmt, "-o", str(out), "--cache-dir", str(tmp_path / "c"),
                         "--no-validate"], env, seed)
        assert proc.returncode == 0, proc.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    text = outputs[0].decode()
    assert "2023-11-14T22:13:20+00:00" in text
    assert strict_errors(text, "json" if fmt.endswith("json") else "xml", "1.6") == []


def test_reproducible_without_timestamp_and_serial_from_content(demo):
    result, project = demo
    one = generate(result.references, project, SbomOptions(reproducible=True, validate=False))
    two = generate(result.references, project, SbomOptions(reproducible=True, validate=False))
    assert one == two
    doc = json.loads(one)
    assert "timestamp" not in doc["metadata"]
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", doc["serialNumber"])
    other = generate(result.references[:-1], project, SbomOptions(reproducible=True, validate=False))
    assert json.loads(other)["serialNumber"] != doc["serialNumber"]
    # Default: a fresh serial number and the current time.
    first = json.loads(generate(result.references, project, SbomOptions(validate=False)))
    second = json.loads(generate(result.references, project, SbomOptions(validate=False)))
    assert first["serialNumber"] != second["serialNumber"] and "timestamp" in first["metadata"]


def test_explicit_serial_number(demo):
    result, project = demo
    serial = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
    for fmt in ("json", "xml"):
        text = generate(result.references, project, SbomOptions(fmt=fmt, serial_number=serial, validate=False))
        assert serial in text
    with pytest.raises(SbomError):
        generate(result.references, project, SbomOptions(serial_number="not-a-uuid", validate=False))
    with pytest.raises(SbomError):
        SbomOptions.from_env({"SOURCE_DATE_EPOCH": "yesterday"})
    assert SbomOptions.from_env({"SOURCE_DATE_EPOCH": "1700000000"}).source_date_epoch == 1700000000


# ------------------------------------------------------------------------------ CLI and safety


def test_cli_sbom(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    out = tmp_path / "bom.xml"
    code = main(["sbom", str(DEMO), "--format", "cyclonedx-xml", "--spec-version", "1.7", "-o", str(out),
                 "--cache-dir", str(tmp_path / "cache"), "--reproducible"])
    assert code == 0
    assert strict_errors(out.read_text(), "xml", "1.7") == []
    assert main(["sbom", str(DEMO), "--no-metadata", "--name", "renamed"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["metadata"]["component"]["name"] == "renamed" and doc["specVersion"] == "1.6"
    assert main(["sbom", str(DEMO), "--serial-number", "nope", "--no-metadata"]) == 2


def test_cyclonedx_is_imported_only_by_the_sbom_command():
    code = ("import sys, io, contextlib\nfrom ptm_lint.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    main(['inventory', {str(DEMO)!r}, '--format', 'json'])\n"
            "assert not [m for m in sys.modules if m.startswith('cyclonedx')], 'cyclonedx imported'\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_hostile_strings_stay_valid(tmp_path):
    ref = Reference(
        path="app/we\udcffird\x01.py", cell=None, line=1, column=1, end_line=1, end_column=2,
        api="transformers.AutoModel.from_pretrained", hub="huggingface", role="model",
        model="org/na me\x0b", canonical="org/na me\x0b", resolution="literal", provenance="x\x00y",
        revision="br anch", pin="mutable", options={}, library="transformers",
    )
    token = "hf_" + "a" * 34
    secret = Reference(
        path="app/a.py", cell=2, line=3, column=1, end_line=3, end_column=2, api="torch.load", hub="unknown",
        role="weights", model=None, canonical=None, resolution="unknown", provenance=f"token {token}",
        revision=None, pin="unknown", options={}, library="torch",
    )
    for fmt in ("json", "xml"):
        for spec in SPECS:
            text = generate((ref, secret), None, SbomOptions(fmt=fmt, spec_version=spec, validate=True))
            assert strict_errors(text, fmt, spec) == []
            assert token not in text


# ------------------------------------------------------------------ demo app with the fake hub

PINNED = ("420d06cd5345615eb7e0aa1fb2dad25e6998a231", "901403c44d1385a4b0170d6166c01169ccd86736",
          "11ed41d995a7117d21f9865cef95b2a24690f400")
HEAD = "5e5c1d7e0b1f2a3c4d5e6f708192a3b4c5d6e7f8"
CLASSIFIER_WEIGHTS = "9f" * 32


def _classifier_record() -> dict:
    """A fine-tuned model of the demo app, recorded like testdata/hub/*.json (kept here: test-only)."""
    siblings = [
        {"rfilename": "config.json", "size": 700, "blobId": "1" * 40},
        {"rfilename": "model.safetensors", "size": 267_832_560, "blobId": "2" * 40,
         "lfs": {"sha256": CLASSIFIER_WEIGHTS, "size": 267_832_560, "pointerSize": 135}},
    ]
    return {
        "repo_type": "model",
        "id": "acme-ml/ticket-classifier-distilbert",
        "info": {
            "id": "acme-ml/ticket-classifier-distilbert", "sha": HEAD, "private": False, "gated": False,
            "disabled": False, "lastModified": "2026-10-01T12:00:00.000Z",
            "tags": ["transformers", "safetensors", "distilbert", "text-classification", "license:apache-2.0"],
            "siblings": siblings, "library_name": "transformers", "pipeline_tag": "text-classification",
            "config": {"architectures": ["DistilBertForSequenceClassification"], "model_type": "distilbert"},
            "cardData": {"license": "apache-2.0", "base_model": "distilbert/distilbert-base-uncased",
                         "datasets": ["acme-ml/support-tickets"]},
        },
        "revisions": {sha: {} for sha in PINNED},
        "refs": {"branches": [{"name": "main", "ref": "refs/heads/main", "targetCommit": HEAD}],
                 "tags": [{"name": "v1.4", "ref": "refs/tags/v1.4", "targetCommit": PINNED[1]}], "converts": []},
        "commits": [{"id": sha, "title": "update", "message": "", "authors": [], "date": f"2026-0{n + 1}-01T00:00:00.000Z"}
                    for n, sha in enumerate((HEAD, *PINNED))],
    }


def _distilbert_record() -> dict:
    return {
        "repo_type": "model",
        "id": "distilbert/distilbert-base-uncased",
        "aliases": ["distilbert-base-uncased"],
        "info": {
            "id": "distilbert/distilbert-base-uncased", "sha": "12040accade4e8a0f71eabdb258fecc2e7e948be",
            "private": False, "gated": False, "disabled": False, "lastModified": "2024-05-06T13:44:53.000Z",
            "tags": ["transformers", "distilbert", "fill-mask", "license:apache-2.0"],
            "siblings": [{"rfilename": "model.safetensors", "size": 267_954_768, "blobId": "3" * 40,
                          "lfs": {"sha256": "ab" * 32, "size": 267_954_768, "pointerSize": 135}}],
            "library_name": "transformers", "pipeline_tag": "fill-mask",
            "cardData": {"license": "apache-2.0", "base_model": "google-bert/bert-base-uncased",
                         "datasets": ["bookcorpus", "wikipedia"]},
        },
        "refs": {"branches": [{"name": "main", "ref": "refs/heads/main",
                               "targetCommit": "12040accade4e8a0f71eabdb258fecc2e7e948be"}], "tags": [], "converts": []},
        "commits": [{"id": "12040accade4e8a0f71eabdb258fecc2e7e948be", "title": "x", "message": "", "authors": [],
                     "date": "2024-05-06T13:44:53.000Z"}],
    }


@pytest.fixture(scope="module")
def online_hub():
    sys.path.insert(0, str(Path(__file__).parent))
    try:
        from fake_hub import load_repos, start_fake_hub
    finally:
        sys.path.pop(0)
    repos = {**load_repos(), "ticket-classifier": _classifier_record(), "distilbert": _distilbert_record()}
    hub, server = start_fake_hub(repos)
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def online_env(online_hub, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", online_hub.url)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))  # no local Hugging Face cache, no saved token
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    return tmp_path


def _online_sbom(tmp_path: Path, fmt: str = "cyclonedx-json", spec: str = "1.6", validate: bool = False) -> str:
    out = tmp_path / f"sbom-{fmt}-{spec}"
    code = main(["sbom", str(DEMO), "--online", "--format", fmt, "--spec-version", spec, "-o", str(out),
                 "--cache-dir", str(tmp_path / "ptm-cache"), *([] if validate else ["--no-validate"])])
    assert code == 0
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("fmt", ("cyclonedx-json", "cyclonedx-xml"))
def test_demo_app_online_is_valid(online_env, fmt, spec):
    text = _online_sbom(online_env, fmt, spec, validate=fmt.endswith("xml"))  # the CLI's own check, once
    assert strict_errors(text, "json" if fmt.endswith("json") else "xml", spec) == []
    assert "modelCard" in text  # metadata arrived and the injected fields survived validation


def test_demo_app_online_content(online_env, online_hub):
    doc = json.loads(_online_sbom(online_env))
    assert any("/api/models/" in p for p in online_hub.paths())
    refs = by_ref(doc)
    graph = edges(doc)

    pinned = refs[f"pkg:huggingface/acme-ml/ticket-classifier-distilbert@{PINNED[0]}"]
    assert pinned["version"] == PINNED[0]
    assert pinned["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    files = {f["name"]: f["hashes"][0]["content"] for f in pinned["components"]}
    assert files == {"model.safetensors": CLASSIFIER_WEIGHTS}
    card = pinned["modelCard"]["modelParameters"]
    assert card["task"] == "text-classification"
    assert [d["ref"] for d in card["datasets"]] == ["huggingface-dataset:acme-ml/support-tickets"]
    # The training dataset named by the card is the same component the code loads without a revision.
    dataset = refs["huggingface-dataset:acme-ml/support-tickets"]
    assert dataset["type"] == "data" and props(dataset, "origin") == ["code"]

    # Base-model lineage: classifier -> distilbert -> bert, as pedigree and as dependency edges.
    distil = "huggingface:distilbert/distilbert-base-uncased"
    bert = "huggingface:google-bert/bert-base-uncased"
    assert [a["purl"] for a in pinned["pedigree"]["ancestors"]] == ["pkg:huggingface/distilbert/distilbert-base-uncased"]
    assert graph[pinned["bom-ref"]] == {distil}
    assert props(refs[distil], "origin") == ["base-model"]
    assert graph[distil] == {bert}
    assert refs[bert]["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    assert "evidence" in refs[bert]  # loaded by the code too: the same component

    # The tag resolves on the hub, but the SBOM still gives no version: a tag can move.
    tag = refs["huggingface:acme-ml/ticket-classifier-distilbert@v1.4"]
    assert "version" not in tag and "@" not in tag["purl"]
    assert props(tag, "resolved-sha") == [PINNED[1]]
    main_branch = refs["huggingface:acme-ml/ticket-classifier-distilbert@main"]
    assert "version" not in main_branch and props(main_branch, "resolved-sha") == [HEAD]

    # Every model component still lists exactly its call sites.
    result = scan_paths([DEMO], root=DEMO)
    assert sum(len(c.get("evidence", {}).get("occurrences", [])) for c in models(doc)) == len(result.references)


def test_demo_app_online_is_reproducible(online_env):
    first = _online_sbom(online_env)
    second = _online_sbom(online_env)  # now from ptm-lint's metadata cache
    assert first == second
