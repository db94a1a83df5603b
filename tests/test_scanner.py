"""Scanner behaviours not covered by the fixtures: loaded objects, instances, prefilter, positions."""

from __future__ import annotations

import textwrap

from ptm_lint.catalog import default_catalog
from ptm_lint.pipeline import scan_text
from ptm_lint.scan.prefilter import prefilter


def refs(source: str):
    return scan_text(textwrap.dedent(source))


def test_passing_a_loaded_model_on_is_not_another_load():
    found = refs('''
        from transformers import AutoModel, pipeline
        model = AutoModel.from_pretrained("org/a")
        clf = pipeline("text-classification", model=model)
        clf2 = pipeline("text-classification", model=AutoModel.from_pretrained("org/b"))

        class Service:
            def __init__(self):
                self.model = AutoModel.from_pretrained("org/c")
                self.pipe = pipeline("text-classification", model=self.model)
    ''')
    assert [(r.line, r.model) for r in found] == [(3, "org/a"), (5, "org/b"), (9, "org/c")]


def test_loading_a_downloaded_path_is_a_load():
    found = refs('''
        import torch
        from huggingface_hub import hf_hub_download
        path = hf_hub_download("org/a", "head.pt")
        head = torch.load(path, weights_only=True)
    ''')
    assert [r.api for r in found] == ["huggingface_hub.hf_hub_download", "torch.load"]


def test_calling_a_loaded_layer_is_not_a_load():
    found = refs('''
        import tensorflow_hub as hub
        encoder = hub.KerasLayer("https://www.kaggle.com/models/google/bert/tensorFlow2/en-uncased/3")
        vectors = encoder(["text"])
        more = hub.KerasLayer("https://www.kaggle.com/models/google/bert/tensorFlow2/en-uncased/3")(["x"])
    ''')
    assert [r.line for r in found] == [3, 5]


def test_prefilter_ignores_docstrings_and_comments_but_not_aliases():
    wants = prefilter(default_catalog())
    assert not wants(b'"""\n>>> model = AutoModel.from_pretrained("x")\n"""\n# torch.load(p)\n')
    assert wants(b'model = AutoModel.from_pretrained("x")\n')
    assert wants(b"from torch.hub import load as fetch\nm = fetch('pytorch/vision', 'resnet18')\n")
    assert wants(b"from sentence_transformers import SentenceTransformer\n"
                 b"class Encoder(SentenceTransformer):\n    pass\nenc = Encoder('all-MiniLM-L6-v2')\n")
    assert not wants(b"import torch\nclass Net(torch.nn.Module):\n    pass\nnet = Net()\n")
    assert not wants(b"def reload(x):\n    return x\nreload(1)\n")


def test_aliased_function_import_is_found():
    found = refs('''
        from torch.hub import load as fetch
        model = fetch("pytorch/vision:v0.10.0", "resnet18", weights=None)
    ''')
    assert [(r.api, r.canonical, r.revision) for r in found] == [("torch.hub.load", "pytorch/vision", "v0.10.0")]


def test_columns_are_characters_not_bytes():
    found = refs('''
        from transformers import AutoModel
        désignation = "x"; m = AutoModel.from_pretrained("org/é")
    ''')
    assert found[0].column == 24 and found[0].model == "org/é"


def test_revision_classes():
    cases = {
        "0123456789abcdef0123456789abcdef01234567": "immutable",
        "0123456789ABCDEF0123456789ABCDEF01234567": "mutable",
        "0123456789abcdef0123456789abcdef012345678": "mutable",
        "86b5e09": "weak",
        "v1.0": "weak",
        "1.2.3": "weak",
        "main": "mutable",
        "refs/pr/3": "mutable",
    }
    for rev, pin in cases.items():
        found = refs(f'from transformers import AutoModel\nAutoModel.from_pretrained("org/m", revision="{rev}")\n')
        assert found[0].pin == pin, rev


def test_unresolved_kwargs_make_the_pin_unknown_not_mutable():
    found = refs('''
        from transformers import AutoModel
        def load(name="org/m", **kwargs):
            return AutoModel.from_pretrained(name, **kwargs)
    ''')
    assert found[0].model == "org/m" and found[0].pin == "unknown"


def test_self_and_cls_follow_the_first_parameter():
    found = refs('''
        from sentence_transformers import CrossEncoder
        from transformers import BertModel
        from huggingface_hub import HfApi

        class Reranker(CrossEncoder):
            def score(self, features):
                return self(features)  # calling the instance is not a load

            def fetch(self):
                self.api = HfApi()
                return self.api.snapshot_download("org/snap", revision="main")

        class Encoder(BertModel):
            @classmethod
            def load(cls, name="org/enc"):
                return cls.from_pretrained(name)

        def run_preset_test(self_like, cls, preset):
            return cls.from_preset(preset)  # `cls` is just a parameter here
    ''')
    assert [(r.api, r.model) for r in found] == [
        ("huggingface_hub.HfApi.snapshot_download", "org/snap"),
        ("transformers.BertModel.from_pretrained", "org/enc"),
    ]


def test_paths_built_with_os_path_are_local():
    found = refs('''
        import os
        from pathlib import Path
        from transformers import AutoModel
        a = AutoModel.from_pretrained(os.path.join("checkpoints", "best"))
        b = AutoModel.from_pretrained(Path("checkpoints") / "best")
        c = AutoModel.from_pretrained("image_encoder")
    ''')
    assert [(r.hub, r.pin) for r in found] == [("local", "local")] * 3


def test_a_dict_changed_in_place_is_followed_in_order():
    found = refs('''
        from transformers import AutoModel
        kw = {}
        kw["revision"] = "0123456789abcdef0123456789abcdef01234567"
        m = AutoModel.from_pretrained("org/m", **kw)
        kw["revision"] = "main"
        n = AutoModel.from_pretrained("org/m", **kw)
        for key in ("a", "b"):
            kw[key] = "x"
        o = AutoModel.from_pretrained("org/m", **kw)
    ''')
    assert [r.pin for r in found] == ["immutable", "mutable", "unknown"]
