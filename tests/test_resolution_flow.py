"""The value resolver on the patterns real projects use: rebinding, guards, helpers resolved from
their callers, revision registries, containers built step by step, partials, notebooks, limits."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path

from ptm_lint.pipeline import run_inventory, scan_text

from resolving import project, refs

SHA = "0123456789abcdef0123456789abcdef01234567"
SHA2 = "89abcdef0123456789abcdef0123456789abcdef"


def cands(ref) -> list[tuple]:
    return [(c.model, c.revision, c.pin, c.path, c.line) for c in ref.candidates or ()]


# -- flow-sensitive bindings -----------------------------------------------------------------------
def test_a_name_rebound_to_the_loaded_model_is_read_before_the_rebinding():
    found = refs('''
        from transformers import AutoModelForCausalLM, AutoTokenizer
        model = "tiiuae/falcon-40b"
        tokenizer = AutoTokenizer.from_pretrained(model)
        model = AutoModelForCausalLM.from_pretrained(model, trust_remote_code=True)
        model = model.eval()
    ''')
    assert [(r.model, r.resolution) for r in found] == [("tiiuae/falcon-40b", "constant")] * 2


def test_straight_line_reassignment_and_branches_joined():
    found = refs('''
        import torch
        from transformers import AutoModel
        name = "org/draft"
        name = "org/final"
        a = AutoModel.from_pretrained(name)
        if torch.cuda.is_available():
            rev = "main"
        else:
            rev = "''' + SHA + '''"
        b = AutoModel.from_pretrained(name, revision=rev)
    ''')
    assert found[0].model == "org/final" and found[0].candidates is None
    assert found[1].model == "org/final" and found[1].revision is None and found[1].pin == "mutable"
    assert [(c.revision, c.pin, c.line) for c in found[1].candidates] == [("main", "mutable", 8), (SHA, "immutable", 10)]


def test_a_loop_variable_over_a_known_list_takes_each_item():
    found = refs('''
        from transformers import AutoModel
        name = "org/a"
        for other in ["org/b", "org/c"]:
            m = AutoModel.from_pretrained(other)
            name = other
        n = AutoModel.from_pretrained(name)
    ''')
    assert found[0].model is None and [(c.model, c.line) for c in found[0].candidates] == [("org/b", 4), ("org/c", 4)]
    # After the loop: the value before it (zero passes) or the loop's.
    assert found[1].model is None and [c.model for c in found[1].candidates] == ["org/a", "org/b", "org/c"]


def test_a_loop_variable_over_pairs_dict_keys_or_an_unknown_sequence():
    # GPT-SoVITS funasr_asr.py: for model_source in SOURCES: AutoModel(**model_source, ...)
    found = refs('''
        import sys
        from funasr import AutoModel
        from transformers import AutoModel as HFAutoModel
        MODEL_ID = "FunAudioLLM/Fun-ASR-Nano-2512"
        SOURCES = ({"model": MODEL_ID, "hub": "hf"}, {"model": MODEL_ID, "hub": "ms"})
        for source in SOURCES:
            AutoModel(**source, device="cpu")
        for name, rev in [("org/a", "v1.0"), ("org/b", "v2.0")]:
            HFAutoModel.from_pretrained(name, revision=rev)
        for key in {"org/c": 1, "org/d": 2}:
            HFAutoModel.from_pretrained(key)
        for arg in sys.argv[1:]:
            HFAutoModel.from_pretrained(arg)
    ''')
    assert found[0].model == "FunAudioLLM/Fun-ASR-Nano-2512"
    # Pairs unpacked: each name with its own revision, never with the other pair's.
    assert [(c.model, c.revision, c.pin) for c in found[1].candidates] == [("org/a", "v1.0", "weak"),
                                                                          ("org/b", "v2.0", "weak")]
    assert [c.model for c in found[2].candidates] == ["org/c", "org/d"]
    assert (found[3].model, found[3].pin) == (None, "unknown") and "loop variable 'arg'" in found[3].provenance


def test_unpacked_pairs_of_items_zip_and_enumerate_keep_each_name_with_its_own_revision():
    # A benchmark script pinning each model it compares: a model id never goes with another's sha.
    found = refs(f'''
        from transformers import AutoModel, AutoTokenizer
        PINNED = {{
            "intfloat/e5-large-v2": "{SHA}",
            "BAAI/bge-large-en-v1.5": "{SHA2}",
        }}
        NAMES = ["org/local-first", "org/hub-second"]
        REVS = ["v1.0", "main"]
        encoders = {{name: AutoModel.from_pretrained(name, revision=rev) for name, rev in PINNED.items()}}
        for i, (name, rev) in enumerate(zip(NAMES, REVS)):
            tok = AutoTokenizer.from_pretrained(name, revision=rev)
        for key in PINNED.keys():
            AutoModel.from_pretrained(key, revision=PINNED[key])
        for rev in PINNED.values():
            AutoModel.from_pretrained("org/fixed", revision=rev)
    ''')
    assert [(c.model, c.revision, c.pin, c.line) for c in found[0].candidates] == [
        ("intfloat/e5-large-v2", SHA, "immutable", 9), ("BAAI/bge-large-en-v1.5", SHA2, "immutable", 9)]
    assert found[0].pin == "immutable" and {c.resolution for c in found[0].candidates} == {"constant"}
    assert [(c.model, c.revision, c.pin) for c in found[1].candidates] == [
        ("org/local-first", "v1.0", "weak"), ("org/hub-second", "main", "mutable")]
    assert found[1].pin == "mutable"
    assert [c.model for c in found[2].candidates] == ["intfloat/e5-large-v2", "BAAI/bge-large-en-v1.5"]
    assert found[3].model == "org/fixed" and [c.revision for c in found[3].candidates] == [SHA, SHA2]


def test_unpacked_items_of_something_not_known_stay_unknown():
    found = refs('''
        import requests
        from transformers import AutoModel
        registry = requests.get("https://example.com/models.json").json()
        for name, rev in registry.items():
            AutoModel.from_pretrained(name, revision=rev)
        PAIRS = [("org/a", "v1.0"), "org/b"]
        for name, rev in PAIRS:
            AutoModel.from_pretrained(name, revision=rev)
    ''')
    assert [(r.model, r.pin, r.candidates) for r in found] == [(None, "unknown", None)] * 2
    assert "loop variable 'name'" in found[0].provenance
    assert "unpacked from an item not known statically" in found[1].provenance


def notebook(cells: list[str]) -> str:
    """A notebook as Jupyter writes it: markdown between code cells, sources as lists of lines."""
    out: list[dict] = []
    for text in cells:
        out.append({"cell_type": "markdown", "metadata": {}, "source": ["Next step.\n"]})
        out.append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                    "source": textwrap.dedent(text).lstrip("\n").splitlines(keepends=True)})
    return json.dumps({"cells": out, "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4,
                       "nbformat_minor": 5})


def test_a_notebook_comprehension_over_a_dicts_items_downloads_each_url(tmp_path: Path):
    # TF's integrated-gradients tutorial: the images are fetched by a dict comprehension.
    base = "http://storage.googleapis.com/download.tensorflow.org/example_images"
    found = project(tmp_path, {"integrated_gradients.ipynb": notebook([
        '''
        import tensorflow as tf
        ''',
        f'''
        img_url = {{
            'Fireboat': '{base}/fireboat.jpg',
            'Giant Panda': '{base}/Giant_Panda_2.jpeg',
        }}
        ''',
        '''
        img_paths = {name: tf.keras.utils.get_file(name, url) for (name, url) in img_url.items()}
        user_urls = {name: url for name, url in zip(input("names").split(), input("urls").split())}
        user_paths = [tf.keras.utils.get_file(origin=url) for url in user_urls.values()]
        ''',
    ])})
    first, second = found
    assert (first.cell, first.line, first.hub, first.pin, first.model) == (5, 1, "url", "mutable", None)
    assert [(c.model, c.cell, c.line) for c in first.candidates] == [
        (f"{base}/fireboat.jpg", 5, 1), (f"{base}/Giant_Panda_2.jpeg", 5, 1)]
    assert "url in" in first.candidates[0].provenance
    assert (second.model, second.pin, second.candidates) == (None, "unknown", None)


def test_a_model_spec_built_in_another_cell_names_the_tf_hub_model(tmp_path: Path):
    # TF Hub's cropnet tutorial: a #@param picks a handle from a dict; ModelSpec(uri=...) in one
    # cell, image_classifier.create(model_spec=...) in another.
    handle = "https://tfhub.dev/google/imagenet/mobilenet_v3_large_100_224/feature_vector/5"
    found = project(tmp_path, {"cropnet_on_device.ipynb": notebook([
        '''
        import os
        from tflite_model_maker import image_classifier
        from tflite_model_maker.image_classifier import ModelSpec
        ''',
        f'''
        #@title Choose a base model
        model_name = 'mobilenet_v3_large_100_224'  #@param ['cropnet_cassava', 'mobilenet_v3_large_100_224']
        map_model_name = {{
            'cropnet_cassava': 'https://tfhub.dev/google/cropnet/feature_vector/cassava_disease_V1/1',
            'mobilenet_v3_large_100_224': '{handle}',
        }}
        model_handle = map_model_name[model_name]
        ''',
        '''
        image_model_spec = ModelSpec(uri=model_handle)
        ''',
        '''
        model = image_classifier.create(train_data, model_spec=image_model_spec, epochs=5)
        by_position = image_classifier.create(train_data, model_spec=ModelSpec('https://tfhub.dev/google/cropnet/x'))
        from_env = image_classifier.create(train_data, model_spec=ModelSpec(uri=os.environ["HANDLE"]))
        no_uri = image_classifier.create(train_data, model_spec=ModelSpec(name="custom"))
        by_name = image_classifier.create(train_data, model_spec="efficientnet_lite0")
        ''',
    ])})
    spec, by_position, from_env, no_uri, by_name = found
    assert (spec.cell, spec.line, spec.hub, spec.model, spec.canonical, spec.revision, spec.pin) == (
        7, 1, "tf_hub", handle, "google/imagenet/mobilenet_v3_large_100_224/feature_vector", "5", "immutable")
    assert "map_model_name" in spec.provenance
    assert (by_position.hub, by_position.pin) == ("tf_hub", "mutable")  # a handle without its version
    assert (from_env.model, from_env.pin) == (None, "unknown") and "HANDLE" in from_env.provenance
    assert (no_uri.model, no_uri.pin) == (None, "unknown") and "is not given uri" in no_uri.provenance
    assert (by_name.model, by_name.pin) == ("efficientnet_lite0", "library")


# -- command lines of the repo run its scripts ------------------------------------------------------
SFT_SCRIPT = '''
    from dataclasses import dataclass, field
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainingArguments
    from trl.commands.cli_utils import TrlParser


    @dataclass
    class ScriptArguments:
        dataset_path: str = field(default=None, metadata={"help": "Path to the dataset"})
        model_id: str = field(default=None, metadata={"help": "Model ID to use for SFT training"})
        chat_template_model: str = field(default="org/template-tokenizer")


    def training_function(script_args, training_args):
        tokenizer = AutoTokenizer.from_pretrained(script_args.model_id, use_fast=True)
        template = AutoTokenizer.from_pretrained(script_args.chat_template_model)
        model = AutoModelForCausalLM.from_pretrained(script_args.model_id, torch_dtype="auto")


    if __name__ == "__main__":
        parser = TrlParser((ScriptArguments, TrainingArguments))
        script_args, training_args = parser.parse_args_and_config()
        training_function(script_args, training_args)
'''


def test_a_notebook_that_writes_a_yaml_config_and_runs_the_script_with_it(tmp_path: Path):
    # philschmid's FSDP + QLoRA notebook: %%writefile a config, then `!torchrun script --config it`.
    found = project(tmp_path, {
        "training/scripts/run_fsdp_qlora.py": SFT_SCRIPT,
        "training/fsdp-qlora.ipynb": notebook([
            '''
            %%writefile llama_3_70b_fsdp_qlora.yaml
            # script parameters
            model_id: "meta-llama/Meta-Llama-3-70b" # Hugging Face model id
            dataset_path: "."
            chat_template_model: "org/from-the-config"
            ''',
            '''
            !cat ./scripts/run_fsdp_qlora.py
            !ACCELERATE_USE_FSDP=1 torchrun --nproc_per_node=4 ./scripts/run_fsdp_qlora.py --config llama_3_70b_fsdp_qlora.yaml
            ''',
        ]),
    })
    tokenizer, template, model = found
    for ref in (tokenizer, model):
        assert (ref.model, ref.hub, ref.pin, ref.resolution) == (
            "meta-llama/Meta-Llama-3-70b", "huggingface", "mutable", "config")
        assert "llama_3_70b_fsdp_qlora.yaml (written by training/fsdp-qlora.ipynb:cell 2)" in ref.provenance
        assert "--config at training/fsdp-qlora.ipynb:cell 4:2" in ref.provenance
    # A field with a default keeps it: what a run passes overrides it (as for argparse defaults).
    assert (template.model, template.resolution) == ("org/template-tokenizer", "dataclass")


def test_a_notebook_that_writes_the_script_too(tmp_path: Path):
    # The script itself is a %%writefile cell of the notebook that runs it.
    found = project(tmp_path, {"sft.ipynb": notebook([
        "%%writefile scripts/run_sft.py\n" + textwrap.dedent(SFT_SCRIPT).lstrip("\n"),
        "%%writefile sft.json\n" + json.dumps({"model_id": "mistralai/Mistral-7B-v0.3", "dataset_path": "."}),
        "!python scripts/run_sft.py --config sft.json --bf16\n",
    ])})
    tokenizer, _, model = found
    assert (model.path, model.cell, model.model, model.pin) == ("sft.ipynb", 1, "mistralai/Mistral-7B-v0.3", "mutable")
    assert "sft.json (written by sft.ipynb:cell 4), passed with --config at sft.ipynb:cell 6:1" in model.provenance


def test_shell_scripts_running_a_script_give_one_candidate_each(tmp_path: Path):
    merge = '''
        from dataclasses import dataclass, field
        from peft import AutoPeftModelForCausalLM
        from transformers import HfArgumentParser

        @dataclass
        class ScriptArguments:
            peft_model_id: str = field(metadata={"help": "model id or path to model"})
            output_dir: str = field(default="merged-weights")

        args = HfArgumentParser(ScriptArguments).parse_args_into_dataclasses()[0]
        model = AutoPeftModelForCausalLM.from_pretrained(args.peft_model_id, low_cpu_mem_usage=True)
    '''
    found = project(tmp_path, {
        "scripts/merge_adapter_weights.py": merge,
        "scripts/train.py": SFT_SCRIPT,
        "recipes/sft.yaml": "model_id: org/recipe-model\n",
        "run_all.sh": (
            "#!/bin/bash\n"
            "set -e\n"
            "python scripts/merge_adapter_weights.py \\\n"
            "    --peft_model_id org/published-adapter \\\n"
            "    --output_dir $OUT\n"
            "accelerate launch --config_file fsdp.yaml scripts/train.py recipes/sft.yaml\n"
            "python other/scripts/merge_adapter_weights.py --peft_model_id org/unrelated\n"
        ),
        "merge_any.sh": 'python3 scripts/merge_adapter_weights.py "$@"\n',
    })
    by_path = {}
    for ref in found:
        by_path.setdefault(ref.path, []).append(ref)
    (merged,) = by_path["scripts/merge_adapter_weights.py"]
    assert merged.pin == "unknown"  # one run passes on arguments not written in it
    assert [(c.model, c.pin) for c in merged.candidates] == [(None, "unknown"), ("org/published-adapter", "mutable")]
    assert "passing on arguments not written in it runs scripts/merge_adapter_weights.py at merge_any.sh:1" \
        in merged.candidates[0].provenance
    assert "--peft_model_id of the command line at run_all.sh:3" in merged.candidates[1].provenance
    tokenizer, _, model = by_path["scripts/train.py"]
    assert (model.model, model.pin, model.resolution) == ("org/recipe-model", "mutable", "config")
    assert "model_id in recipes/sft.yaml, passed with --config at run_all.sh:6" in model.provenance


def test_a_script_no_command_line_runs_or_one_with_a_missing_config_stays_unknown(tmp_path: Path):
    alone = project(tmp_path / "alone", {"train.py": SFT_SCRIPT, "README.md": "python train.py --model_id org/doc\n"})
    assert [(r.model, r.pin) for r in alone] == [(None, "unknown"), ("org/template-tokenizer", "mutable"),
                                                 (None, "unknown")]
    missing = project(tmp_path / "missing", {
        "train.py": SFT_SCRIPT,
        "launch.ipynb": notebook(["!python train.py --config configs/not-there.yaml\n"]),
    })
    assert (missing[0].model, missing[0].pin) == (None, "unknown")
    assert "config file configs/not-there.yaml passed at launch.ipynb:cell 2:1 not found" \
        in missing[0].candidates[0].provenance


def test_module_level_code_and_notebook_cells_run_in_order(tmp_path: Path):
    cells = [
        ["MODEL = 'org/draft'\n"],
        ["from transformers import AutoModel\n", "MODEL = 'org/final'\n"],
        ["model = AutoModel.from_pretrained(MODEL, revision='" + SHA + "')\n"],
        ["MODEL = 'org/later'\n"],
    ]
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "source": c, "outputs": [], "execution_count": None}
                    for c in cells],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (found,) = project(tmp_path, {"explore.ipynb": json.dumps(nb)})
    assert (found.model, found.pin, found.cell, found.line) == ("org/final", "immutable", 2, 1)


# -- guards ---------------------------------------------------------------------------------------
def test_is_not_none_guard_keeps_the_callers_value_and_drops_the_none_default():
    found = refs('''
        from sentence_transformers import SentenceTransformer

        class Encoder:
            def __init__(self, text_model="all-MiniLM-L6-v2", image_model=None):
                self.text = SentenceTransformer(text_model)
                if image_model is not None:
                    self.image = SentenceTransformer(image_model)

        plain = Encoder()
        both = Encoder(image_model="clip-ViT-B-32")
    ''')
    assert [(r.model, r.resolution) for r in found] == [
        ("all-MiniLM-L6-v2", "caller"), ("clip-ViT-B-32", "caller")]


def test_isinstance_and_an_earlier_sentinel_branch_narrow_the_value():
    found = refs('''
        from transformers import AutoModel

        def load(model, revision=None):
            if model is None:
                raise ValueError("model is required")
            if not isinstance(model, str):
                return model
            return AutoModel.from_pretrained(model, revision=revision)

        load("org/a", revision="''' + SHA + '''")
        load(None)
    ''')
    assert (found[0].model, found[0].revision, found[0].pin, found[0].resolution) == ("org/a", SHA, "immutable", "caller")


def test_a_guarded_parameter_without_callers_stays_unknown_not_none():
    (found,) = refs('''
        from sentence_transformers import SentenceTransformer
        def build(image_model=None):
            if image_model is not None:
                return SentenceTransformer(image_model)
    ''')
    assert found.model is None and found.pin == "unknown" and "callers decide" in found.provenance


# -- callers --------------------------------------------------------------------------------------
def test_helper_called_with_different_models_carries_one_candidate_per_call():
    found = refs('''
        from transformers import AutoModel

        def load(name, rev=None):
            return AutoModel.from_pretrained(name, revision=rev)

        encoder = load("org/a")
        decoder = load("org/b", rev="''' + SHA + '''")
    ''')
    (ref,) = found
    assert ref.model is None and ref.resolution == "caller" and ref.pin == "mutable"  # the least safe
    assert cands(ref) == [("org/a", None, "mutable", "example.py", 7), ("org/b", SHA, "immutable", "example.py", 8)]
    out = ref.to_json()
    assert out["candidates"][1] == {**out["candidates"][1], "model": "org/b", "revision": SHA, "pin": "immutable",
                                    "path": "example.py", "line": 8}
    assert [r.model for r in ref.loaded()] == ["org/a", "org/b"]


def test_callers_that_agree_resolve_the_reference():
    (ref,) = refs('''
        from transformers import AutoTokenizer
        def tokenizer_for(name):
            return AutoTokenizer.from_pretrained(name, revision="v2.0")
        a = tokenizer_for("org/a")
        b = tokenizer_for(name="org/a")
    ''')
    assert (ref.model, ref.resolution, ref.pin, ref.candidates) == ("org/a", "caller", "weak", None)
    assert "2 calls of tokenizer_for()" in ref.provenance


def test_a_value_from_outside_the_repo_stays_unknown_among_the_candidates():
    (ref,) = refs('''
        import sys
        from transformers import AutoModel
        def load(name):
            return AutoModel.from_pretrained(name)
        load("org/a")
        load(sys.argv[1])
    ''')
    assert [c[0] for c in cands(ref)] == ["org/a", None]
    assert [c.pin for c in ref.candidates] == ["mutable", "unknown"]
    assert ref.pin == "unknown"  # one candidate cannot be known: neither can the call's pin


def test_a_helpers_kwargs_parameter_is_what_each_caller_passes():
    # LLaVA's load_pretrained_model(model_path, ..., **kwargs): kwargs = {"device_map": ..., **kwargs}
    # is splatted into from_pretrained; a caller passing no revision loads the default branch.
    (ref,) = refs('''
        from transformers import AutoModelForCausalLM
        def load_pretrained_model(model_path, load_8bit=False, device_map="auto", **kwargs):
            kwargs = {"device_map": device_map, **kwargs}
            if load_8bit:
                kwargs["load_in_8bit"] = True
            return AutoModelForCausalLM.from_pretrained(model_path, low_cpu_mem_usage=True, **kwargs)
        a = load_pretrained_model("org/a", load_8bit=True)
        b = load_pretrained_model("org/b", revision="''' + SHA + '''", device_map="cpu")
        c = load_pretrained_model("org/c", **{"revision": "v1.0"})
    ''')
    assert [(m, rev, pin) for m, rev, pin, _, _ in cands(ref)] == [
        ("org/a", None, "mutable"), ("org/b", SHA, "immutable"), ("org/c", "v1.0", "weak")]
    assert ref.pin == "mutable"


def test_a_kwargs_parameter_with_an_unknown_splat_or_no_caller_stays_unknown():
    found = refs('''
        from transformers import AutoModel
        def load(name, **kwargs):
            return AutoModel.from_pretrained(name, **kwargs)
        def helper(**options):
            return AutoModel.from_pretrained("org/x", **options)
        load("org/a", **get_options())
    ''')
    assert (found[0].model, found[0].pin) == ("org/a", "unknown")
    assert (found[1].model, found[1].pin) == ("org/x", "unknown")  # no call of helper(): anything may come


def test_a_helper_used_as_a_callback_keeps_unknown_as_a_candidate():
    (ref,) = refs('''
        from transformers import AutoModel
        def load(name):
            return AutoModel.from_pretrained(name)
        first = load("org/a")
        rest = list(map(load, ["org/b", "org/c"]))
    ''')
    assert [c[0] for c in cands(ref)] == ["org/a", None]
    assert "used as a value" in ref.candidates[1].provenance


def test_one_more_helper_level_is_followed():
    (ref,) = refs('''
        from transformers import AutoModel
        def _load(name, revision):
            return AutoModel.from_pretrained(name, revision=revision)
        def load_encoder(name="org/enc"):
            return _load(name, revision="''' + SHA + '''")
        load_encoder()
        load_encoder("org/enc-large")
    ''')
    assert [(c[0], c[2], c[4]) for c in cands(ref)] == [("org/enc", "immutable", 7), ("org/enc-large", "immutable", 8)]


def test_cross_module_helper_and_registry(tmp_path: Path):
    found = project(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/revisions.py": f'''
            REVISIONS = {{
                "org/a": "{SHA}",
                "org/b": "{SHA2}",
            }}
            REVISIONS["org/c"] = "main"

            def get_revision(model_id):
                return REVISIONS.get(model_id)
        ''',
        "pkg/models.py": '''
            from transformers import AutoModel
            from .revisions import REVISIONS, get_revision

            def load(model_id):
                return AutoModel.from_pretrained(model_id, revision=get_revision(model_id))

            def load_direct(model_id):
                return AutoModel.from_pretrained(model_id, revision=REVISIONS[model_id])
        ''',
        "train.py": '''
            from pkg.models import load, load_direct
            enc = load("org/a")
            dec = load("org/b")
            aux = load_direct("org/c")
        ''',
    })
    by_line = {r.line: r for r in found}
    assert cands(by_line[5]) == [("org/a", SHA, "immutable", "train.py", 2), ("org/b", SHA2, "immutable", "train.py", 3)]
    assert by_line[5].pin == "immutable"
    assert (by_line[8].model, by_line[8].revision, by_line[8].pin, by_line[8].resolution) == ("org/c", "main", "mutable", "caller")


def test_a_notebook_calling_a_helper_of_the_repo(tmp_path: Path):
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                     "source": ["from utils import load_model\n", "m = load_model('org/nb-model')\n"]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    found = project(tmp_path, {
        "utils.py": '''
            from transformers import AutoModel
            def load_model(name):
                return AutoModel.from_pretrained(name)
        ''',
        "demo.ipynb": json.dumps(nb),
    })
    (ref,) = found
    assert (ref.path, ref.model, ref.resolution) == ("utils.py", "org/nb-model", "caller")


# -- registries, containers, partial --------------------------------------------------------------
def test_containers_built_step_by_step():
    found = refs('''
        from torch.hub import load_state_dict_from_url
        from transformers import AutoModel
        URLS = {}
        URLS["resnet"] = "https://download.pytorch.org/models/resnet50-11ad3fa6.pth"
        state = load_state_dict_from_url(URLS["resnet"], check_hash=True)
        kwargs = dict(trust_remote_code=False)
        kwargs.update({"revision": "''' + SHA + '''"})
        kwargs.setdefault("revision", "main")
        m = AutoModel.from_pretrained("org/a", **kwargs)
        ids = []
        ids.append("org/b")
        n = AutoModel.from_pretrained(ids[0])
    ''')
    assert [(r.model, r.pin) for r in found] == [
        ("https://download.pytorch.org/models/resnet50-11ad3fa6.pth", "immutable"), ("org/a", "immutable"),
        ("org/b", "mutable")]


def test_functools_partial_of_a_loader():
    found = refs('''
        import functools
        from functools import partial
        from transformers import AutoModel, AutoTokenizer
        load = functools.partial(AutoModel.from_pretrained, "org/a", revision="''' + SHA + '''")
        tok = partial(AutoTokenizer.from_pretrained, revision="main")
        model = load()
        tokenizer = tok("org/a")
    ''')
    assert [(r.api, r.model, r.pin) for r in found] == [
        ("transformers.AutoModel.from_pretrained", "org/a", "immutable"),
        ("transformers.AutoTokenizer.from_pretrained", "org/a", "mutable")]


def test_call_models_getenv_format_and_path():
    found = refs('''
        import os
        from pathlib import Path
        from transformers import AutoModel
        org = os.getenv("ORG", "acme")
        a = AutoModel.from_pretrained("{}/{}".format(org, "bert"))
        b = AutoModel.from_pretrained(Path("checkpoints") / "best")
        c = AutoModel.from_pretrained(os.environ.get("MODEL") or "org/fallback")
    ''')
    assert [(r.model, r.resolution, r.hub) for r in found] == [
        ("acme/bert", "env", "huggingface"), ("checkpoints/best", "fstring", "local"), ("org/fallback", "env", "huggingface")]


# -- imports and limits ---------------------------------------------------------------------------
def test_a_module_object_never_comes_back_as_a_known_id(tmp_path: Path):
    found = project(tmp_path, {
        "a.py": "from b import NAME\n",
        "b.py": "from c import NAME\n",
        "c.py": "from d import NAME\n",
        "d.py": "NAME = 'org/deep'\n",
        "app.py": '''
            from transformers import AutoModel
            from a import NAME
            from settings_outside_the_repo import MODEL_ID
            x = AutoModel.from_pretrained(NAME)
            y = AutoModel.from_pretrained(MODEL_ID)
        ''',
    })
    assert [(r.model, r.pin) for r in found] == [(None, "unknown"), (None, "unknown")]
    assert "imports away" in found[0].provenance
    assert "outside the scanned repository" in found[1].provenance


def test_two_import_hops_are_followed(tmp_path: Path):
    found = project(tmp_path, {
        "config/__init__.py": "from .models import ENCODER\n",
        "config/models.py": f"ENCODER = 'org/enc'\n",
        "app.py": '''
            from transformers import AutoModel
            from config import ENCODER
            x = AutoModel.from_pretrained(ENCODER)
        ''',
    })
    assert [(r.model, r.resolution) for r in found] == [("org/enc", "import")]


def test_pathological_inputs_stay_bounded():
    huge = ",\n".join(f'    "org/m{i}": "{SHA}"' for i in range(20_000))
    chain = "\n".join(f"def f{i}(x):\n    return f{i + 1}(x)" for i in range(60)) + "\ndef f60(x):\n    return x"
    source = f'''
from transformers import AutoModel
REVISIONS = {{
{huge}
}}
{chain}
def ping(x):
    return pong(x)
def pong(x):
    return ping(x)
a = AutoModel.from_pretrained("org/m1", revision=REVISIONS["org/m1"])
b = AutoModel.from_pretrained(f0("org/deep"))
c = AutoModel.from_pretrained(ping("org/loop"))
'''
    start = time.perf_counter()
    found = scan_text(source)
    assert time.perf_counter() - start < 10
    assert [r.pin for r in found] == ["unknown", "unknown", "unknown"]
    assert "over 5000" in found[0].revision_provenance
    assert "too long" in found[1].provenance
    assert "calls itself" in found[2].provenance or "too long" in found[2].provenance


# -- every consumer treats each candidate as a loaded model -------------------------------------------
HELPER = '''
    from transformers import AutoModel

    def load(name, rev=None):
        return AutoModel.from_pretrained(name, revision=rev)

    encoder = load("org/a")
    decoder = load("org/b", rev="''' + SHA + '''")
'''


def test_rules_check_each_candidate(check):
    findings = check(textwrap.dedent(HELPER), select=("PTM101", "PTM107"))
    assert [(f.rule, f.line, f.model) for f in findings] == [("PTM101", 5, "org/a")]
    assert "candidate passed at example.py:7" in findings[0].message


def test_project_rules_see_candidates(check):
    findings = check(textwrap.dedent(HELPER) + 'again = AutoModel.from_pretrained("org/b", revision="v1.0")\n',
                     select=("PTM501",))
    assert {f.model for f in findings} == {"org/b"}


def test_inventory_graph_and_sbom_list_each_candidate(tmp_path: Path):
    from ptm_lint.graph.build import build_graph
    from ptm_lint.report.inventory import inventory_json, render_text
    from ptm_lint.sbom.plan import plan

    (tmp_path / "app.py").write_text(textwrap.dedent(HELPER), encoding="utf-8")
    report = run_inventory([tmp_path], root=tmp_path)
    doc = inventory_json(report)
    assert [m["canonical"] for m in doc["models"]] == ["org/a", "org/b"]
    assert doc["references"][0]["model"] is None and len(doc["references"][0]["candidates"]) == 2
    text = render_text(report)
    assert "candidate org/a [pin=mutable] from app.py:7:1" in text
    assert f"candidate org/b@{SHA} [pin=immutable] from app.py:8:1" in text
    graph = build_graph(report.references)
    loads = sorted(v for u, v, d in graph.edges(data=True) if d.get("kind") == "loads")
    assert loads == ["model:huggingface:org/a", "model:huggingface:org/b"]
    entries = plan(report.references).entries
    assert sorted((e.ident, e.revision) for e in entries if e.ident) == [("org/a", None), ("org/b", SHA)]


def test_a_branch_taken_only_for_a_command_line_argument_is_an_override(tmp_path: Path):
    (ref,) = project(tmp_path, {
        "serve/model-config.yaml": "handler:\n  model_name: bert-base-uncased\n",
        "serve/download.py": '''
            import os
            import sys

            import yaml
            from transformers import AutoModel

            def download(name):
                return AutoModel.from_pretrained(name)

            if __name__ == "__main__":
                here = os.path.dirname(__file__)
                if len(sys.argv) > 1:
                    config_file = os.path.join(here, sys.argv[1])
                else:
                    config_file = os.path.join(here, "model-config.yaml")
                settings = yaml.safe_load(open(config_file))["handler"]
                download(settings["model_name"])
        ''',
    })
    assert (ref.model, ref.resolution, ref.candidates) == ("bert-base-uncased", "config", None)


def test_an_environment_override_keeps_the_default_but_other_branches_join():
    found = refs('''
        import os
        from transformers import AutoModel
        if os.getenv("MODEL"):
            name = os.environ["MODEL"]
        else:
            name = "org/default"
        a = AutoModel.from_pretrained(name)
        if os.getenv("LARGE") == "1":
            size = "org/large"
        else:
            size = "org/small"
        b = AutoModel.from_pretrained(size)
    ''')
    assert found[0].model == "org/default" and found[0].candidates is None
    assert [c.model for c in found[1].candidates] == ["org/large", "org/small"]


def test_branches_whose_test_is_decided_by_the_callers_value_are_pruned():
    (ref,) = refs('''
        from huggingface_hub import snapshot_download

        def download_model(model_size, source):
            if "distil" in model_size:
                repo_id = "distil-whisper/" + model_size
            elif model_size == "large-v3-turbo":
                repo_id = "mobiuslabsgmbh/faster-whisper-large-v3-turbo"
            else:
                repo_id = f"Systran/faster-whisper-{model_size}"
            if source != "HF":
                repo_id = "mirror/faster-whisper"
            if source == "HF":
                return snapshot_download(repo_id)

        download_model("large-v3", probe())
    ''')
    # The mirror's id is set under `source != "HF"`: never where `source == "HF"` holds.
    assert (ref.model, ref.resolution, ref.candidates) == ("Systran/faster-whisper-large-v3", "caller", None)


def test_a_torchserve_handler_reads_the_model_config_next_to_it(tmp_path):
    # pytorch/serve examples: initialize(self, ctx) reads ctx.model_yaml_config, the archive's config
    # built from the model-config.yaml beside the handler; `self.setup_config = None` in __init__ is
    # replaced before the load (None[...] would raise).
    found = project(tmp_path, {
        "tts/model-config.yaml": "handler:\n  processor: processor\n  model_name: bert-base-uncased\n",
        "tts/handler.py": '''
            from transformers import AutoTokenizer, SpeechT5Processor

            class Handler:
                def __init__(self):
                    self.setup_config = None

                def initialize(self, ctx):
                    self.model_yaml_config = ctx.model_yaml_config if hasattr(ctx, "model_yaml_config") else {}
                    self.setup_config = self.model_yaml_config.get("handler", {})
                    processor = ctx.model_yaml_config["handler"]["processor"]
                    self.processor = SpeechT5Processor.from_pretrained(processor)
                    self.tokenizer = AutoTokenizer.from_pretrained(self.setup_config["model_name"])

                def reload(self, ctx):
                    AutoTokenizer.from_pretrained(ctx.model_yaml_config["handler"]["model_name"])
        ''',
        "other/handler.py": '''
            from transformers import AutoTokenizer

            class Handler:
                def initialize(self, ctx):
                    AutoTokenizer.from_pretrained(ctx.model_yaml_config["handler"]["model_name"])
        ''',
    })
    got = {(r.path, r.line): (r.model, r.resolution, r.pin, r.candidates) for r in found}
    assert got[("tts/handler.py", 11)] == ("processor", "config", "local", None)
    assert got[("tts/handler.py", 12)] == ("bert-base-uncased", "config", "mutable", None)
    assert got[("tts/handler.py", 15)][0] is None  # not the handler contract's initialize(self, ctx)
    assert got[("other/handler.py", 5)][0] is None  # no model-config.yaml beside it


def test_a_method_reads_what_init_stored_from_the_calls_of_the_class():
    # TF Hub's s3gan notebook: Generator(module_spec) stores it in __init__; _load_model() loads it.
    (ref,) = refs('''
        import tensorflow_hub as hub
        class Generator:
            def __init__(self, module_spec):
                self._module_spec = module_spec
                self._load_model()
            def _load_model(self):
                self._generator = hub.Module(self._module_spec, name="gen_module")
        model_name = "S3GAN 128x128 20% labels (FID 6.9, IS 98.1)"
        models = {
            "S3GAN 256x256 10% labels": "https://tfhub.dev/google/compare_gan/s3gan_10_256x256/1",
            "S3GAN 128x128 20% labels": "https://tfhub.dev/google/compare_gan/s3gan_20_128x128/1",
        }
        sampler = Generator(models[model_name.split(" (")[0]])
    ''')
    assert (ref.model, ref.revision, ref.pin, ref.resolution) == (
        "https://tfhub.dev/google/compare_gan/s3gan_20_128x128/1", "1", "immutable", "caller")
    assert ref.provenance.startswith("1 call of Generator.__init__() pass")


def test_string_splits_are_evaluated():
    found = refs('''
        from transformers import AutoModel
        resource = "url::org/a"
        AutoModel.from_pretrained(resource.split("url::")[1])
        AutoModel.from_pretrained("org/b:extra".partition(":")[0])
        AutoModel.from_pretrained("x/org/c".split("/", 1)[-1])
    ''')
    assert [(r.model, r.candidates) for r in found] == [("org/a", None), ("org/b", None), ("org/c", None)]


def test_pydantic_field_defaults_are_read_through_self():
    # langchain-huggingface: model_name: str = Field(default=..., alias="model"); **self.model_kwargs
    # is Field(default_factory=dict), an empty dict unless the user passes one.
    found = refs('''
        from typing import Any
        from pydantic import BaseModel, Field
        from sentence_transformers import SentenceTransformer
        class HuggingFaceEmbeddings(BaseModel):
            model_name: str = Field(default="sentence-transformers/all-mpnet-base-v2", alias="model")
            other: str = Field("org/positional")
            required: str = Field(...)
            model_kwargs: dict[str, Any] = Field(default_factory=dict)
            def __init__(self, **kwargs: Any):
                super().__init__(**kwargs)
                self._client = SentenceTransformer(self.model_name, **self.model_kwargs)
                self._other = SentenceTransformer(self.other)
                self._required = SentenceTransformer(self.required)
    ''')
    assert [(r.model, r.resolution, r.pin) for r in found] == [
        ("sentence-transformers/all-mpnet-base-v2", "dataclass", "mutable"),
        ("org/positional", "dataclass", "mutable"),
        (None, "unknown", "unknown")]


def test_a_nested_helper_takes_the_values_of_its_calls_in_the_function_around_it():
    # LLaVA builder.py: def load_from_hf(repo_id, filename) inside load_pretrained_model(model_path, ...)
    (ref,) = refs('''
        from huggingface_hub import hf_hub_download
        def load_pretrained_model(model_path):
            def load_from_hf(repo_id, filename, subfolder=None):
                return hf_hub_download(repo_id=repo_id, filename=filename, subfolder=subfolder)
            return load_from_hf(model_path, "non_lora_trainables.bin")
        def other():
            def load_from_hf(repo_id):
                return repo_id
            return load_from_hf("org/not-this-one")
        load_pretrained_model("org/a")
        load_pretrained_model("org/b")
    ''')
    assert [c[0] for c in cands(ref)] == ["org/a", "org/b"]


def test_a_wrapper_forwarding_args_and_kwargs_loads_what_its_callers_pass():
    # facechain utils.py: a retry wrapper snapshot_download(*args, **kwargs) around ModelScope's
    (ref,) = refs('''
        import sys
        from modelscope import snapshot_download as ms_snapshot_download
        def max_retries(n):
            def decorator(func):
                return func
            return decorator
        @max_retries(3)
        def snapshot_download(*args, **kwargs):
            return ms_snapshot_download(*args, **kwargs)
        def pre_download_models():
            snapshot_download("ly261666/cv_portrait_model", revision="v4.0")
            snapshot_download(*("damo/face_frombase_c4", "v1.0.0"))
            snapshot_download(model_id="Cherrytest/rot_bgr")
            snapshot_download(*sys.argv[1:])
    ''')
    assert [(m, rev, pin) for m, rev, pin, _, _ in cands(ref)] == [
        ("ly261666/cv_portrait_model", "v4.0", "weak"), ("damo/face_frombase_c4", "v1.0.0", "weak"),
        ("Cherrytest/rot_bgr", None, "mutable"), (None, None, "unknown")]


def test_kwargs_get_defaults_stand_where_no_call_is_known():
    # FunASR download_dataset_from_ms(**kwargs): kwargs.get("dataset_name", "<default>")
    found = refs('''
        from modelscope.msdatasets import MsDataset
        from transformers import AutoModel
        def download_dataset_from_ms(**kwargs):
            dataset_name = kwargs.get("dataset_name", "speech_asr/speech_asr_aishell1_trainsets")
            return MsDataset.load(dataset_name=dataset_name, split=kwargs.get("split", "train"))
        def no_default(**kwargs):
            return AutoModel.from_pretrained(kwargs["name"], revision=kwargs.get("revision"))
        def called(**kwargs):
            return AutoModel.from_pretrained(kwargs.get("name", "org/default"))
        called(name="org/passed")
        def options(name="org/x", **kwargs):
            # rerankers: a dict of options from the caller may carry revision=
            return AutoModel.from_pretrained(name, **kwargs.get("model_kwargs", {}))
    ''')
    assert [(r.model, r.resolution, r.pin) for r in found] == [
        ("speech_asr/speech_asr_aishell1_trainsets", "default", "mutable"),
        (None, "unknown", "unknown"),
        ("org/passed", "caller", "mutable"),
        ("org/x", "default", "unknown")]


def test_a_github_file_at_a_commit_is_pinned_through_either_url_form():
    found = refs('''
        import tensorflow as tf
        sha = "''' + SHA + '''"
        a = tf.keras.utils.get_file(origin=f"https://github.com/tensorflow/models/raw/{sha}/official/labels.txt")
        b = tf.keras.utils.get_file(origin=f"https://raw.githubusercontent.com/tensorflow/models/{sha}/official/labels.txt")
        c = tf.keras.utils.get_file(origin="https://github.com/tensorflow/models/raw/master/official/labels.txt")
    ''')
    assert [(r.revision, r.pin) for r in found] == [(SHA, "immutable"), (SHA, "immutable"), ("master", "mutable")]


def test_a_settings_object_of_another_package_gives_back_its_keywords():
    # philschmid's notebooks: args = TrainingArguments(output_dir="code-llama-3-1-8b-text-to-sql", ...)
    # then AutoPeftModelForCausalLM.from_pretrained(args.output_dir): a local folder.
    found = refs('''
        from transformers import TrainingArguments, AutoModel
        from peft import AutoPeftModelForCausalLM
        from trl import SFTConfig
        args = TrainingArguments(output_dir="code-llama-3-1-8b-text-to-sql", num_train_epochs=3)
        model = AutoPeftModelForCausalLM.from_pretrained(args.output_dir)
        cfg = SFTConfig(hub_model_id="org/sft")
        cfg.hub_model_id = "org/renamed"
        AutoModel.from_pretrained(cfg.hub_model_id)
        AutoModel.from_pretrained(args.hub_model_id)
    ''')
    assert [(r.model, r.hub, r.pin) for r in found] == [
        ("code-llama-3-1-8b-text-to-sql", "local", "local"), ("org/renamed", "huggingface", "mutable"),
        (None, "huggingface", "unknown")]


def test_code_after_an_if_whose_other_arm_leaves_runs_under_its_test():
    # GPT-SoVITS fasterwhisper_asr.py: `if source == "HF": ... else: model_path = "tools/asr/models"`, then
    # `if source == "HF": download else: return model_path + ...`; the final `return model_path` is HF's.
    (ref,) = refs('''
        from faster_whisper import WhisperModel
        def download_model(source):
            if source == "HF":
                model_path = "./models/faster-whisper-large-v3"
            else:
                model_path = "./models"
            if source != "HF":
                return model_path + "/faster-whisper-large-v3-ms"
            return model_path
        def run(source):
            WhisperModel(download_model(source))
    ''')
    assert [c.model for c in ref.candidates] == ["./models/faster-whisper-large-v3-ms", "./models/faster-whisper-large-v3"]


def test_a_definition_under_one_literal_of_a_test_does_not_reach_a_use_under_another():
    # LLaMA-Factory loader.py: data_path is a file type under load_from == "file", the dataset name
    # under the hub values; MsDataset.load runs under load_from == "ms_hub" only.
    found = refs('''
        from modelscope import MsDataset
        from datasets import load_dataset
        def load_single_dataset(dataset_attr, name):
            if dataset_attr.load_from in ["hf_hub", "ms_hub"]:
                data_path = name
            elif dataset_attr.load_from == "file":
                data_path = "json"
            else:
                raise NotImplementedError
            if dataset_attr.load_from == "ms_hub":
                return MsDataset.load(dataset_name=data_path)
            elif dataset_attr.load_from != "file":
                return load_dataset(path=data_path)
            return load_dataset(path=data_path, data_files=["a.json"])
        load_single_dataset(attr, "org/data")
    ''')
    assert [(r.model, r.candidates) for r in found] == [("org/data", None), ("org/data", None), ("json", None)]


def test_a_name_under_a_folder_a_download_of_the_file_wrote_is_that_folder():
    # unsloth Spark-TTS notebook: snapshot_download(..., local_dir="Spark-TTS-0.5B") then
    # FastModel.from_pretrained("Spark-TTS-0.5B/LLM"): the snapshot's sub-folder, not a Hub repo.
    found = refs('''
        from huggingface_hub import snapshot_download
        from transformers import AutoModel
        snapshot_download("Spark-TTS-0.5B/LLM", local_dir="Spark-TTS-0.5B/LLM")
        snapshot_download("unsloth/Spark-TTS-0.5B", local_dir="Spark-TTS-0.5B")
        model = AutoModel.from_pretrained(f"Spark-TTS-0.5B/LLM")
        other = AutoModel.from_pretrained("Spark-TTS-0.5B-other/LLM")
    ''')
    assert [(r.model, r.hub, r.pin) for r in found] == [
        ("Spark-TTS-0.5B/LLM", "huggingface", "mutable"), ("unsloth/Spark-TTS-0.5B", "huggingface", "mutable"),
        ("Spark-TTS-0.5B/LLM", "local", "local"), ("Spark-TTS-0.5B-other/LLM", "huggingface", "mutable")]


def test_a_branch_decided_by_a_default_is_decided_again_for_each_caller():
    # GPT-SoVITS create_model(language="zh"): the default decides `if language == "zh":` in place;
    # the callers pass "yue" and a language known at run time only.
    (ref,) = refs('''
        from funasr import AutoModel
        def create_model(language="zh"):
            if language == "zh":
                path_asr = "tools/asr/models/zh"
            elif language == "yue":
                path_asr = "tools/asr/models/yue"
            else:
                raise ValueError(language)
            return AutoModel(model=path_asr)
        create_model("yue")
        create_model(detect_language())
    ''')
    assert [c.model for c in ref.candidates] == ["tools/asr/models/yue", "tools/asr/models/zh"]


def test_a_tuple_part_a_call_returned_is_not_taken_for_the_parsed_options():
    (ref,) = refs('''
        import argparse
        from transformers import AutoModel
        parser = argparse.ArgumentParser()
        parser.add_argument("--model", default="org/from-argparse")
        segments, info = transcribe()
        AutoModel.from_pretrained(info.model)
    ''')
    assert ref.model is None


def test_a_none_formatted_into_an_id_is_no_id():
    # A benchmark loader whose dataset name defaults to None and is checked elsewhere: "BeIR/None"
    # and "None@main" are ids nobody loads.
    found = refs('''
        from datasets import load_dataset
        from huggingface_hub import snapshot_download

        def load_corpus(dataset=None, split="test"):
            corpus = load_dataset(f"BeIR/{dataset}", "corpus", split=split)
            return corpus

        def fetch(force_model=None, revision="main"):
            return snapshot_download(f"{force_model}@{revision}".split("@")[0])
    ''')
    assert [(r.model, r.pin) for r in found] == [(None, "unknown"), (None, "unknown")]
    assert "f-string of a value that is None here" in found[0].provenance


def test_values_set_in_opposite_arms_of_one_if_are_never_paired():
    # A size switch setting the id and its pinned revision together: each id goes with its own
    # revision, never with the other arm's (a pinned sha shown for the unpinned model would be a
    # wrong lock entry).
    found = refs(f'''
        import sys
        from transformers import AutoModel

        size = sys.argv[1]
        if size == "small":
            name = "org/encoder-small"
            rev = "{SHA}"
        elif size == "large":
            name = "org/encoder-large"
            rev = "main"
        else:
            raise SystemExit(f"unknown size {{size}}")
        model = AutoModel.from_pretrained(name, revision=rev)

        def load(variant):
            if variant == "distilled":
                repo, revision = "org/distilled", "{SHA2}"
            else:
                repo, revision = "org/full", None
            return AutoModel.from_pretrained(f"{{repo}}", revision=revision)
    ''')
    assert [(c.model, c.revision, c.pin, c.line) for c in found[0].candidates] == [
        ("org/encoder-small", SHA, "immutable", 7), ("org/encoder-large", "main", "mutable", 10)]
    assert [(c.model, c.revision, c.pin) for c in found[1].candidates] == [
        ("org/distilled", SHA2, "immutable"), ("org/full", None, "mutable")]


def test_arms_of_an_if_inside_a_loop_may_both_hold():
    # One pass takes the `if` arm, another the `else` arm: after the loop the values of both arms
    # hold together.
    found = refs('''
        from transformers import AutoModel

        def pick(flags):
            name, rev = "org/default", None
            for big in flags:
                if big:
                    name = "org/big"
                else:
                    rev = "v1.0"
            return AutoModel.from_pretrained(name, revision=rev)
    ''')
    pairs = {(c.model, c.revision) for c in found[0].candidates or ()}
    assert pairs == {("org/default", None), ("org/default", "v1.0"), ("org/big", None), ("org/big", "v1.0")}
