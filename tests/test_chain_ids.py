"""Ids spelled out by a fluent chain of calls (catalog `model.chain`): Roboflow's
rf.workspace(W).project(P).version(N).download(fmt) downloads dataset W/P/N."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from ptm_lint.pipeline import run_inventory, scan_text


def refs(source: str):
    return [r for r in scan_text(textwrap.dedent(source)) if r.library == "roboflow"]


def test_the_id_is_read_from_each_call_of_the_chain_through_a_variable():
    found = refs('''
        from roboflow import Roboflow

        rf = Roboflow(api_key="ROBOFLOW_API_KEY")
        project = rf.workspace("joseph-nelson").project("bccd")
        dataset = project.version(3).download("coco")
    ''')
    assert [(r.model, r.role, r.resolution, r.pin) for r in found] == [("joseph-nelson/bccd/3", "dataset", "literal", "unknown")]
    assert found[0].provenance == "workspace('joseph-nelson') project('bccd') version(3)"


def test_constants_and_a_single_expression_chain():
    found = refs('''
        import roboflow

        WORKSPACE = "roboflow-universe-projects"
        PROJECT = "construction-site-safety"
        VERSION = 1

        def fetch(fmt="yolov8"):
            return roboflow.Roboflow().workspace(WORKSPACE).project(PROJECT).version(VERSION).download(fmt)
    ''')
    assert [(r.model, r.resolution) for r in found] == [("roboflow-universe-projects/construction-site-safety/1", "constant")]


def test_what_the_chain_does_not_show_stays_unknown_and_says_why():
    found = refs('''
        import os
        from roboflow import Roboflow

        rf = Roboflow(api_key=os.environ["ROBOFLOW_API_KEY"])
        default_ws = rf.workspace().project("helmets").version(2).download("coco")
        from_env = rf.workspace("acme").project(os.environ["RF_PROJECT"]).version(2).download("coco")
        if os.environ.get("SMALL"):
            project = rf.workspace("acme").project("helmets-small")
        else:
            project = rf.workspace("acme").project("helmets")
        either = project.version(4).download("coco")
    ''')
    assert [r.model for r in found] == [None] * 3
    assert found[0].provenance == "workspace(): no argument (the library's default workspace)"
    assert found[1].provenance.startswith("project(): ")
    # Two assignments reach `project`: which project is not one value.
    assert found[2].provenance == "the chain does not show workspace()/project()"


def test_a_notebook_builds_the_chain_over_several_cells(tmp_path: Path):
    cells = [
        "!pip install roboflow supervision -q",
        "import roboflow\nfrom roboflow import Roboflow\n\nroboflow.login()\nrf = Roboflow()",
        'project = rf.workspace("hashira-fhxpj").project("mri-brain-tumor")',
        'dataset = project.version(1).download("coco")\nprint(dataset.location)',
    ]
    nb = {
        "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                   "source": text.splitlines(keepends=True)} for text in cells],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    (tmp_path / "segment.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    found = [r for r in run_inventory([tmp_path], root=tmp_path).references if r.library == "roboflow"]
    assert [(r.model, r.cell, r.line) for r in found] == [("hashira-fhxpj/mri-brain-tumor/1", 3, 1)]


def test_a_helper_building_the_chain_from_its_parameters_takes_each_callers_values():
    found = refs('''
        from roboflow import Roboflow

        def download_dataset(workspace, project, version, fmt="coco"):
            rf = Roboflow(api_key="ROBOFLOW_API_KEY")
            return rf.workspace(workspace).project(project).version(version).download(fmt)

        helmets = download_dataset("acme", "helmets", 3)
        boats = download_dataset("acme", "boats", 7, fmt="yolov8")
    ''')
    (ref,) = found
    assert ref.model is None and ref.resolution == "caller"
    assert [(c.model, c.line) for c in ref.candidates] == [("acme/helmets/3", 8), ("acme/boats/7", 9)]
