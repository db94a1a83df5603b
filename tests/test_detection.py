"""Open-world detection (conventions), repo subclasses across modules, lazy module proxies, and the
precision classes of issue 15: local folders, loops over ids, retry loops, clients, pin from revision."""

from __future__ import annotations

import json
import textwrap

import pytest

from ptm_lint.catalog import default_catalog
from ptm_lint.cli import main
from ptm_lint.pipeline import scan_text
from ptm_lint.scan.prefilter import prefilter


def refs(source: str, path: str = "train.py"):
    return scan_text(textwrap.dedent(source), path)


def check(tmp_path, files: dict[str, str], *args: str) -> dict:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "1.0"\n'
                                             + files.pop("pyproject.toml", ""))
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    out = tmp_path / "out.json"
    main(["check", str(tmp_path), "--format", "json", "-o", str(out), "--no-cache", "--select", "ALL", *args])
    return json.loads(out.read_text())


def rules_at(report: dict, line: int) -> set[str]:
    return {f["rule"] for f in report["findings"] if f["line"] == line}


# -- 1. open-world detection ---------------------------------------------------------------------
def test_unsloth_style_fine_tuning_script_is_a_convention_load():
    found = refs('''
        from unsloth import FastLanguageModel, is_bfloat16_supported
        import torch

        max_seq_length = 2048
        model, tokenizer = FastLanguageModel.from_pretrained(
            model_name = "unsloth/Meta-Llama-3.1-8B-bnb-4bit",
            max_seq_length = max_seq_length,
            dtype = None,
            load_in_4bit = True,
        )
    ''')
    [ref] = found
    assert (ref.api, ref.detection, ref.hub, ref.model, ref.pin) == (
        "unsloth.FastLanguageModel.from_pretrained", "convention", "huggingface",
        "unsloth/Meta-Llama-3.1-8B-bnb-4bit", "mutable")
    assert ref.to_json()["detection"] == "convention"


def test_catalog_entries_stay_authoritative():
    [ref] = refs('''
        from transformers import AutoTokenizer
        tok = AutoTokenizer.from_pretrained("google-bert/bert-base-uncased")
    ''')
    assert (ref.detection, ref.loader, ref.role) == ("catalog", "transformers.tokenizer", "tokenizer")


def test_roles_follow_the_class_or_variable_name():
    found = refs('''
        from vendor_sdk import VendorTokenizer, VendorConfig, VendorProcessor, VendorForCausalLM

        def build(args, config_class, tokenizer_class):
            config = config_class.from_pretrained(args.model_name_or_path)
            tokenizer = tokenizer_class.from_pretrained(args.model_name_or_path)
            return config, tokenizer

        tok = VendorTokenizer.from_pretrained("acme/m1")
        cfg = VendorConfig.from_pretrained("acme/m1")
        proc = VendorProcessor.from_pretrained("acme/m1")
        lm = VendorForCausalLM.from_pretrained("./out/m1")
    ''')
    got = [(r.api, r.role, r.hub) for r in found]
    assert got == [
        ("config_class.from_pretrained", "config", "huggingface"),
        ("tokenizer_class.from_pretrained", "tokenizer", "huggingface"),
        ("vendor_sdk.VendorTokenizer.from_pretrained", "tokenizer", "huggingface"),
        ("vendor_sdk.VendorConfig.from_pretrained", "config", "huggingface"),
        ("vendor_sdk.VendorProcessor.from_pretrained", "processor", "huggingface"),
        ("vendor_sdk.VendorForCausalLM.from_pretrained", "model", "local"),
    ]
    assert {r.detection for r in found} == {"convention"}


def test_vendor_reexport_of_transformers_and_lazy_module_proxies():
    found = refs('''
        import xfastertransformer
        from mcore_adapter.models import AutoConfig as McaConfig
        from my_utils import LazyImport, import_diffusers

        transformers = LazyImport("transformers")
        diffusers = import_diffusers()

        a = xfastertransformer.transformers.AutoModel.from_pretrained("/data/llama-2-7b-xft")
        b = McaConfig.from_pretrained("Qwen/Qwen2.5-7B")
        c = transformers.AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B", trust_remote_code=True)
        d = diffusers.StableDiffusionXLPipeline.from_pretrained("stabilityai/stable-diffusion-xl-base-1.0")
    ''')
    got = [(r.api, r.detection, r.role, r.hub) for r in found]
    assert got == [
        ("xfastertransformer.transformers.AutoModel.from_pretrained", "convention", "model", "local"),
        ("mcore_adapter.models.AutoConfig.from_pretrained", "convention", "config", "huggingface"),
        ("transformers.AutoModelForCausalLM.from_pretrained", "catalog", "model", "huggingface"),
        ("diffusers.StableDiffusionXLPipeline.from_pretrained", "catalog", "model", "huggingface"),
    ]


def test_pytest_importorskip_binds_the_module():
    [ref] = refs('''
        import pytest

        def test_roundtrip(tmp_path):
            transformers = pytest.importorskip("transformers")
            model = transformers.AutoModelForCausalLM.from_pretrained("hf-internal-testing/tiny-random-gpt2")
    ''')
    assert (ref.api, ref.detection) == ("transformers.AutoModelForCausalLM.from_pretrained", "catalog")


def test_hugging_face_tokenizers_is_catalogued():
    [ref] = refs('''
        from tokenizers import Tokenizer
        tok = Tokenizer.from_pretrained("bert-base-uncased", revision="0123456789abcdef0123456789abcdef01234567")
    ''')
    assert (ref.loader, ref.role, ref.canonical, ref.pin) == (
        "tokenizers.Tokenizer.from_pretrained", "tokenizer", "google-bert/bert-base-uncased", "immutable")


def test_not_loads_embedding_tensors_and_stub_classmethods():
    assert refs('''
        import torch
        from torch import nn

        weights = torch.load("glove.pt", weights_only=True)
        emb = nn.Embedding.from_pretrained(weights, freeze=True)
        bag = torch.nn.EmbeddingBag.from_pretrained(weights)

        class Registry:
            @classmethod
            def from_pretrained(cls, name):
                return cls()

        r = Registry.from_pretrained("org/not-a-model")
    ''')[1:] == ()


def test_a_wrappers_own_from_pretrained_body_is_not_a_load_its_callers_are():
    found = refs('''
        from somewhere import BaseModel

        class Encoder(BaseModel):
            @classmethod
            def from_pretrained(cls, name_or_path, **kwargs):
                return super().from_pretrained(name_or_path, **kwargs)

        enc = Encoder.from_pretrained("BAAI/bge-m3")
    ''')
    assert [(r.api, r.model) for r in found] == [("train.Encoder.from_pretrained", "BAAI/bge-m3")]


def test_repo_subclass_in_another_module_is_a_catalog_load(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("from .modeling import RetrievalModel\n")
    (tmp_path / "pkg" / "modeling.py").write_text(textwrap.dedent('''
        from transformers import XLMRobertaModel

        class RetrievalModel(XLMRobertaModel):
            def encode(self, batch):
                return self(**batch).last_hidden_state[:, 0]
    '''))
    source = textwrap.dedent('''
        from pkg import RetrievalModel

        model = RetrievalModel.from_pretrained("BAAI/bge-m3", trust_remote_code=True)
    ''')
    [ref] = scan_text(source, "serve.py", root=tmp_path)
    assert (ref.api, ref.detection, ref.loader) == (
        "transformers.XLMRobertaModel.from_pretrained", "catalog", "transformers.model")


def test_repo_subclass_of_a_loader_class_constructed_in_another_module(tmp_path):
    # PhotoMaker's FaceAnalysis2 subclasses insightface's FaceAnalysis in a module of the repo and is
    # re-exported by the package; constructing it loads the library's default model pack.
    (tmp_path / "photomaker").mkdir()
    (tmp_path / "photomaker" / "__init__.py").write_text("from .insightface_package import FaceAnalysis2, analyze_faces\n")
    (tmp_path / "photomaker" / "insightface_package.py").write_text(textwrap.dedent('''
        from insightface.app import FaceAnalysis

        class FaceAnalysis2(FaceAnalysis):
            def get(self, img, max_num=0, det_size=(640, 640)):
                return super().get(img, max_num)

        def analyze_faces(face_analysis, img_data, det_size=(640, 640)):
            return face_analysis.get(img_data, det_size=det_size)
    '''))
    source = textwrap.dedent('''
        from huggingface_hub import hf_hub_download
        from photomaker import FaceAnalysis2, analyze_faces

        face_detector = FaceAnalysis2(providers=["CUDAExecutionProvider"], allowed_modules=["detection", "recognition"])
        face_detector.prepare(ctx_id=0, det_size=(640, 640))
        ckpt = hf_hub_download(repo_id="TencentARC/PhotoMaker-V2", filename="photomaker-v2.bin", repo_type="model")
    ''')
    found = scan_text(source, "app.py", root=tmp_path)
    assert [(r.api, r.loader, r.hub, r.model, r.pin) for r in found] == [
        ("insightface.app.FaceAnalysis", "insightface.FaceAnalysis", "url", None, "library"),
        ("huggingface_hub.hf_hub_download", "huggingface_hub.hf_hub_download", "huggingface", "TencentARC/PhotoMaker-V2",
         "mutable"),
    ]
    # a repo class that subclasses nothing the catalog knows stays unmatched
    (tmp_path / "photomaker" / "insightface_package.py").write_text("class FaceAnalysis2:\n    pass\n")
    assert [r.loader for r in scan_text(source, "app.py", root=tmp_path)] == ["huggingface_hub.hf_hub_download"]


def test_fluent_chain_of_instance_methods_is_named_through_the_class():
    found = refs('''
        import roboflow
        from roboflow import Roboflow

        roboflow.login()
        rf = Roboflow()
        project = rf.workspace("hashira-fhxpj").project("mri-brain-tumor")
        dataset = project.version(1).download("coco")
        other = Roboflow(api_key=KEY).workspace("roboticfish").project("underwater").version(10).download("yolov8")
        version = rf.workspace("w").project("p").version(2)  # metadata only
    ''')
    assert [(r.line, r.api, r.role, r.pin) for r in found] == [
        (8, "roboflow.Roboflow.workspace.project.version.download", "dataset", "unknown"),
        (9, "roboflow.Roboflow.workspace.project.version.download", "dataset", "unknown"),
    ]


def test_function_local_imports_of_one_name_from_two_hubs():
    # LLaMA-Factory's try_download_model_from_other_hub: the ModelScope branch imports
    # snapshot_download from modelscope, a later branch imports the openMind one under the same name.
    found = refs('''
        def try_download_model_from_other_hub(model_args):
            if use_modelscope():
                from modelscope import snapshot_download

                revision = "master" if model_args.model_revision == "main" else model_args.model_revision
                return snapshot_download(model_args.model_name_or_path, revision=revision, cache_dir=model_args.cache_dir)

            if use_openmind():
                from openmind.utils.hub import snapshot_download

                return snapshot_download(model_args.model_name_or_path, revision=model_args.model_revision)
    ''')
    assert [(r.line, r.loader, r.hub) for r in found] == [
        (7, "modelscope.snapshot_download", "modelscope"),
        (12, "openmind.snapshot_download", "unknown"),
    ]


def test_prefilter_passes_every_convention_trigger():
    trigger = prefilter(default_catalog())
    for line in (b"m = FastModel.from_pretrained('x/y')", b"p = Pipe.from_single_file(url)",
                 b"v = VAD.from_hparams(source='speechbrain/vad-crdnn-libriparty')",
                 b"b = Backbone.from_preset('bert_base_en')"):
        assert trigger(line)
    assert not trigger(b"# FastModel.from_pretrained('x/y') in a comment\n")


# -- 3. precision --------------------------------------------------------------------------------
LOCAL_TRUST = '''
    import os
    from pathlib import Path
    from transformers import AutoModelForCausalLM, AutoTokenizer

    BASE_DIR = os.path.dirname(os.path.abspath(__file__))
    CKPT_ROOT = Path(__file__).resolve().parent / "checkpoints"

    m1 = AutoModelForCausalLM.from_pretrained("./checkpoints/glm-4-9b", trust_remote_code=True)
    m2 = AutoModelForCausalLM.from_pretrained("/models/Qwen-7B-Chat", trust_remote_code=True)
    m3 = AutoModelForCausalLM.from_pretrained("D:\\\\AI\\\\chatglm3-6b", trust_remote_code=True)
    m4 = AutoModelForCausalLM.from_pretrained("output_dir/", trust_remote_code=True)
    m5 = AutoModelForCausalLM.from_pretrained(CKPT_ROOT / "final", trust_remote_code=True)
    m6 = AutoModelForCausalLM.from_pretrained(os.path.join(BASE_DIR, "weights"), trust_remote_code=True)
    m7 = AutoTokenizer.from_pretrained("outputs/checkpoint-500", trust_remote_code=True)
    m8 = AutoModelForCausalLM.from_pretrained("THUDM/chatglm3-6b", trust_remote_code=True)
'''


def test_trust_remote_code_on_local_folders_is_not_an_error(tmp_path):
    report = check(tmp_path, {"app.py": LOCAL_TRUST})
    for line in range(9, 16):
        assert not rules_at(report, line) & {"PTM201", "PTM101", "PTM107"}, line
    assert {"PTM201", "PTM101"} <= rules_at(report, 16)
    by_line = {r["line"]: r for r in report["references"]}
    assert [by_line[n]["hub"] for n in range(9, 16)] == ["local"] * 7
    assert [by_line[n]["pin"] for n in range(9, 16)] == ["local"] * 7
    # A path built next to this file is followed to its repo-relative text (no leading "/").
    assert [by_line[n]["model"] for n in (13, 14)] == ["checkpoints/final", "weights"]


def test_loop_over_different_ids_and_retry_loops_are_not_ptm306(tmp_path):
    source = '''
        import time
        from transformers import AutoModel, AutoTokenizer
        from sentence_transformers import SentenceTransformer

        CANDIDATES = ["BAAI/bge-small-en-v1.5", "intfloat/e5-small-v2"]
        results = {}
        for name in CANDIDATES:
            encoder = SentenceTransformer(name)
            results[name] = encoder

        for model_id in CANDIDATES:
            path = f"{model_id}"
            tok = AutoTokenizer.from_pretrained(path)

        for attempt in range(5):
            try:
                model = AutoModel.from_pretrained("google-bert/bert-base-uncased")
                break
            except OSError:
                time.sleep(2 ** attempt)

        def load_with_retry(retries=3):
            while True:
                try:
                    return AutoModel.from_pretrained("google-bert/bert-base-uncased")
                except OSError:
                    retries -= 1

        for epoch in range(3):
            model = AutoModel.from_pretrained("google-bert/bert-base-uncased")

        encoders = [SentenceTransformer(n) for n in CANDIDATES]
    '''
    report = check(tmp_path, {"bench.py": source})
    hits = sorted(f["line"] for f in report["findings"] if f["rule"] == "PTM306")
    assert hits == [31]  # only the reload per epoch


def test_request_handler_loading_the_requested_model_is_not_ptm306(tmp_path):
    source = '''
        from fastapi import FastAPI
        from transformers import pipeline

        app = FastAPI()

        @app.post("/load")
        def load(model_name: str):
            return pipeline("text-classification", model=model_name)

        @app.post("/classify")
        def classify(text: str):
            clf = pipeline("text-classification", model="distilbert/distilbert-base-uncased-finetuned-sst-2-english")
            return clf(text)
    '''
    report = check(tmp_path, {"serve.py": source})
    assert sorted(f["line"] for f in report["findings"] if f["rule"] == "PTM306") == [13]


def test_ptm107_skips_local_torch_load_and_clients_that_load_nothing(tmp_path):
    source = '''
        import torch
        from huggingface_hub import InferenceClient, AsyncInferenceClient

        def restore(ckpt_path):
            state = torch.load(ckpt_path, map_location="cpu", weights_only=True)
            return state

        def restore_unsafe(ckpt_path):
            return torch.load(ckpt_path, map_location="cpu")

        client = InferenceClient()
        aclient = AsyncInferenceClient(token=True)
        remote = InferenceClient("meta-llama/Meta-Llama-3-8B-Instruct")
    '''
    report = check(tmp_path, {"tools.py": source})
    assert rules_at(report, 6) == set()
    assert "PTM107" in rules_at(report, 10)
    apis = [(r["line"], r["api"]) for r in report["references"]]
    assert (12, "huggingface_hub.InferenceClient") not in apis and all(line != 13 for line, _ in apis)
    assert (14, "huggingface_hub.InferenceClient") in apis


def test_remote_clients_whose_model_is_not_known_here_are_not_references():
    # langchain-huggingface's endpoint wrapper: the model is a pydantic field its users set.
    found = refs('''
        from typing import Optional
        from huggingface_hub import AsyncInferenceClient, InferenceClient
        from langchain_huggingface import HuggingFaceEndpoint
        from pydantic import BaseModel

        class Endpoint(BaseModel):
            model: Optional[str] = None
            provider: Optional[str] = None

            def validate_environment(self):
                self.client = InferenceClient(model=self.model, provider=self.provider)
                self.async_client = AsyncInferenceClient(model=self.model)
                return self

        def build(model_id, task="text-generation"):
            return HuggingFaceEndpoint(repo_id=model_id, task=task)

        def summarizer(name=None):
            return InferenceClient(name)

        summarizer("facebook/bart-large-cnn")
        chat = InferenceClient("meta-llama/Meta-Llama-3-8B-Instruct")
    ''')
    assert [(r.line, r.model) for r in found] == [(20, "facebook/bart-large-cnn"),
                                                  (23, "meta-llama/Meta-Llama-3-8B-Instruct")]


def test_calling_the_object_a_loader_name_was_rebound_to_is_not_a_load():
    # A notebook cell: the pipeline function's name is reused for the pipeline it returns.
    found = refs('''
        from transformers import pipeline

        pipeline = pipeline(
            task="automatic-speech-recognition",
            model="openai/whisper-large-v3",
        )

        if audio_path == "":
            result = pipeline(sample["audio"]["array"], return_timestamps=True)
        else:
            result = pipeline(audio_path, return_timestamps=True)
    ''')
    assert [(r.line, r.model) for r in found] == [(4, "openai/whisper-large-v3")]


def test_a_model_object_made_from_a_loaded_one_is_not_another_load():
    # Notebook style: `model` is reused from cell to cell, then wrapped by PEFT / unsloth.
    found = refs('''
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline
        from unsloth import FastModel

        model_id = "./code-llama-3-1-8b-text-to-sql"
        model = AutoModelForCausalLM.from_pretrained(model_id, torch_dtype=torch.float16)
        tokenizer = AutoTokenizer.from_pretrained(model_id)
        pipe = pipeline("text-generation", model=model, tokenizer=tokenizer)

        model, tokenizer = FastModel.from_pretrained(model_name="unsloth/whisper-large-v3")
        model = FastModel.get_peft_model(model, r=64, target_modules=["q_proj", "v_proj"])
        model.eval()
        whisper = pipeline("automatic-speech-recognition", model=model, tokenizer=tokenizer.tokenizer)
    ''')
    assert [(r.line, r.model) for r in found] == [(7, "./code-llama-3-1-8b-text-to-sql"),
                                                  (8, "./code-llama-3-1-8b-text-to-sql"),
                                                  (11, "unsloth/whisper-large-v3")]


def test_a_value_head_wrapping_the_model_built_by_several_helpers_is_not_a_load():
    # LLaMA-Factory's loader: the model comes from a catalogued loader or from repo helpers.
    found = refs('''
        from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM
        from trl import AutoModelForCausalLMWithValueHead
        from .adapter import init_adapter
        from .unsloth import load_unsloth_pretrained_model

        def load_model(config, model_args, is_trainable, add_valuehead):
            model = None
            if model_args.use_unsloth and is_trainable:
                model = load_unsloth_pretrained_model(config, model_args)
            if model is None:
                load_class = AutoModelForSeq2SeqLM if model_args.seq2seq else AutoModelForCausalLM
                model = load_class.from_pretrained(model_args.model_name_or_path, config=config)
                if getattr(model.config, "model_type", None) == "qwen2_5_omni":
                    model = getattr(model, "thinker")
            model = init_adapter(config, model, model_args, is_trainable)
            if add_valuehead:
                model = AutoModelForCausalLMWithValueHead.from_pretrained(model)
            return model

        def load_value_head(path):
            return AutoModelForCausalLMWithValueHead.from_pretrained(path)
    ''')
    assert [(r.line, r.api.rsplit(".", 2)[-2]) for r in found] == [
        (13, "load_class"), (22, "AutoModelForCausalLMWithValueHead")]


def test_a_library_calling_its_own_loader_api_with_an_id_from_outside_is_not_a_second_load(tmp_path):
    report = check(tmp_path, {
        "funasr/__init__.py": "from .auto.auto_model import AutoModel\n",
        "funasr/auto/auto_model.py": '''
            from modelscope.hub.snapshot_download import snapshot_download

            class AutoModel:
                def __init__(self, model=None, hub="ms", **kwargs):
                    self.model_dir = snapshot_download(model)
        ''',
        "funasr/download/export_tool.py": '''
            import argparse

            def main():
                parser = argparse.ArgumentParser()
                parser.add_argument("--model-name", type=str, required=True)
                args = parser.parse_args()
                from funasr import AutoModel

                export_model = AutoModel(model=args.model_name, device="cpu")
                vad = AutoModel(model="fsmn-vad")
        ''',
        "examples/demo.py": '''
            from funasr import AutoModel

            model = AutoModel(model=input("model: "))
        ''',
    })
    found = sorted((r["path"], r["line"], r["model"]) for r in report["references"])
    assert found == [("examples/demo.py", 4, None),
                     ("funasr/auto/auto_model.py", 6, None),
                     ("funasr/download/export_tool.py", 11, "fsmn-vad")]


def test_handing_on_part_of_a_loaded_checkpoint_is_not_another_load():
    # PhotoMaker's pipeline subclass: its adapter loader splits one checkpoint into two state dicts.
    found = refs('''
        import torch
        from diffusers import StableDiffusionXLPipeline
        from diffusers.utils import _get_model_file
        from safetensors import safe_open

        class PhotoMakerPipeline(StableDiffusionXLPipeline):
            def load_photomaker_adapter(self, path_or_dict, weight_name, subfolder=""):
                if not isinstance(path_or_dict, dict):
                    model_file = _get_model_file(path_or_dict, weights_name=weight_name, subfolder=subfolder)
                    if weight_name.endswith(".safetensors"):
                        state_dict = {"id_encoder": {}, "lora_weights": {}}
                        with safe_open(model_file, framework="pt", device="cpu") as f:
                            for key in f.keys():
                                state_dict["lora_weights"][key] = f.get_tensor(key)
                    else:
                        state_dict = torch.load(model_file, map_location="cpu")
                else:
                    state_dict = path_or_dict
                self.id_encoder.load_state_dict(state_dict["id_encoder"], strict=True)
                self.load_lora_weights(state_dict["lora_weights"], adapter_name="photomaker")

        pipe = PhotoMakerPipeline.from_pretrained("stabilityai/stable-diffusion-xl-base-1.0")
        pipe.load_lora_weights("ostris/ikea-instructions-lora-sdxl", adapter_name="ikea")
    ''')
    assert [r.line for r in found if "load_lora_weights" in r.api] == [24]


def test_a_hub_url_only_asked_for_its_metadata_is_not_a_load():
    # BERTopic's push_to_hf_hub: does the repo already have a README?
    found = refs('''
        from huggingface_hub import get_hf_file_metadata, hf_hub_url
        import requests

        def push_to_hf_hub(model, repo_id, revision=None, model_card=True):
            try:
                get_hf_file_metadata(hf_hub_url(repo_id=repo_id, filename="README.md", revision=revision))
            except Exception:
                pass

        weights = requests.get(hf_hub_url("org/topic-model", "topics.json")).content
    ''')
    assert [(r.line, r.model) for r in found] == [(11, "org/topic-model")]


def test_a_type_check_written_as_text_keeps_strings_out():
    # KeyBERT: the model2vec backend gets a StaticModel object from select_backend; only a user
    # constructing the backend directly can hand it a string.
    found = refs('''
        from model2vec import StaticModel

        class Model2VecBackend:
            def __init__(self, embedding_model):
                if isinstance(embedding_model, StaticModel):
                    self.embedding_model = embedding_model
                elif isinstance(embedding_model, str):
                    self.embedding_model = StaticModel.from_pretrained(embedding_model)

        def select_backend(embedding_model):
            if "model2vec" in str(type(embedding_model)):
                return Model2VecBackend(embedding_model)
            return None

        class KeyBERT:
            def __init__(self, model="all-MiniLM-L6-v2"):
                self.model = select_backend(model)
    ''')
    [ref] = found
    assert (ref.line, ref.model, ref.pin) == (9, None, "unknown")


def test_a_file_the_package_ships_next_to_the_module_is_named_once():
    # facenet-pytorch's MTCNN: bundled weights one folder up from the module.
    found = refs('''
        import os
        import torch

        class PNet(torch.nn.Module):
            def __init__(self, pretrained=True):
                super().__init__()
                if pretrained:
                    state_dict_path = os.path.join(os.path.dirname(__file__), '../data/pnet.pt')
                    self.load_state_dict(torch.load(state_dict_path))
    ''', path="facenet_pytorch/models/mtcnn.py")
    assert [(r.model, r.hub, r.pin) for r in found] == [("facenet_pytorch/data/pnet.pt", "local", "local")]


MIDAS = '''
    import timm
    import torch
    import torch.nn as nn


    def _make_pretrained_vitl16_384(pretrained, hooks=None):
        return timm.create_model("vit_large_patch16_384", pretrained=pretrained)


    def _make_pretrained_deitb16_384(pretrained, hooks=None):
        return timm.create_model("vit_deit_base_patch16_384", pretrained=pretrained)


    def _make_pretrained_resnext101_wsl(use_pretrained):
        return torch.hub.load("facebookresearch/WSL-Images", "resnext101_32x8d_wsl")


    def _make_pretrained_efficientnet_lite3(use_pretrained):
        return timm.create_model("tf_efficientnet_lite3", pretrained=use_pretrained)


    def _make_encoder(backbone, features, use_pretrained, hooks=None):
        if backbone == "vitl16_384":
            pretrained = _make_pretrained_vitl16_384(use_pretrained, hooks=hooks)
        elif backbone == "resnext101_wsl":
            pretrained = _make_pretrained_resnext101_wsl(use_pretrained)
        elif backbone == "efficientnet_lite3":
            pretrained = _make_pretrained_efficientnet_lite3(use_pretrained)
        return pretrained


    class DPT(nn.Module):
        def __init__(self, head, features=256, backbone="vitl16_384"):
            super(DPT, self).__init__()
            self.pretrained = _make_encoder(backbone, features, False)  # True trains from ImageNet weights


    class MidasNet(nn.Module):
        def __init__(self, path=None, features=256):
            super(MidasNet, self).__init__()
            use_pretrained = False if path is None else True
            self.pretrained = _make_encoder(backbone="resnext101_wsl", features=features, use_pretrained=use_pretrained)


    class MidasNet_small(nn.Module):
        def __init__(self, path=None, features=64, backbone="efficientnet_lite3"):
            super(MidasNet_small, self).__init__()
            use_pretrained = False if path else True
            self.backbone = backbone
            self.pretrained = _make_encoder(self.backbone, features, use_pretrained)


    def load_model(model_type, model_path):
        if model_type == "dpt_large":
            return DPT(head=None, backbone="vitl16_384")
        if model_type == "midas_v21":
            return MidasNet(model_path)
        return MidasNet_small(model_path, features=64, backbone="efficientnet_lite3")


    def build_backbone(name, pretrained):
        return timm.create_model(name, pretrained=pretrained)
'''


def test_a_pretrained_flag_handed_down_helpers_is_followed_to_the_callers_that_reach_the_load():
    # MiDaS (vendored in ControlNet): only DPT reaches the ViT backbone, and it passes False; the
    # DeiT builder is never called; the other backbones may get True.
    found = refs(MIDAS, path="midas/blocks.py")
    assert [(r.line, r.model) for r in found] == [
        (16, "facebookresearch/WSL-Images"),
        (20, "tf_efficientnet_lite3"),
        (63, None),
    ]


# -- 4. pin from the revision --------------------------------------------------------------------
@pytest.mark.parametrize(("revision", "pin"), [
    ("4a1ad8f2b27f1e8c2a5e6d3b9f0c7e1d2b3a4c5d", "immutable"),
    ("4a1ad8f", "weak"),
    ("v2.1.0", "weak"),
    ("main", "unknown"),
])
def test_unknown_id_takes_its_pin_from_a_literal_revision(revision, pin):
    [ref] = refs(f'''
        from transformers import AutoModel

        def load(model_id):
            return AutoModel.from_pretrained(model_id, revision="{revision}")
    ''')
    assert (ref.model, ref.pin) == (None, pin)
    assert ref.revision == (revision if pin != "unknown" else None) or pin == "unknown"


# -- 2. the project's own loaders ----------------------------------------------------------------
COMPANY_LOADERS = '''
[tool.ptm-lint]
[[tool.ptm-lint.loaders]]
api = ["acme_ml.registry.fetch_model"]
model = { pos = 0, kw = ["name"] }
revision = { kw = ["version"] }
options = ["trust_remote_code"]

[[tool.ptm-lint.loaders]]
id = "acme.Encoder"
api = ["acme_ml.Encoder"]
role = "model"
model = { pos = 0, kw = ["checkpoint"] }
'''

COMPANY_CODE = '''
from acme_ml import Encoder
from acme_ml.registry import fetch_model as fetch

clf = fetch("acme/intent-classifier", version="0123456789abcdef0123456789abcdef01234567")
enc = Encoder("acme/sentence-encoder")
raw = fetch("acme/raw", trust_remote_code=True)
'''


def test_project_declared_loaders_are_found_with_detection_config(tmp_path):
    report = check(tmp_path, {"pyproject.toml": COMPANY_LOADERS, "svc.py": COMPANY_CODE})
    got = [(r["line"], r["api"], r["detection"], r["model"], r["pin"]) for r in report["references"]]
    assert got == [
        (5, "acme_ml.registry.fetch_model", "config", "acme/intent-classifier", "immutable"),
        (6, "acme_ml.Encoder", "config", "acme/sentence-encoder", "mutable"),
        (7, "acme_ml.registry.fetch_model", "config", "acme/raw", "mutable"),
    ]
    assert rules_at(report, 6) >= {"PTM101"} and "PTM201" in rules_at(report, 7)


def test_declared_loaders_are_part_of_the_cache_keys(tmp_path, monkeypatch):
    # The result cache, its stat manifest (a file the prefilter rejected is remembered as empty)
    # and the run memo must all see a change of [[tool.ptm-lint.loaders]].
    monkeypatch.setenv("PTM_LINT_CACHE_DIR", str(tmp_path / "cache"))
    project = tmp_path / "p"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "1.0"\n[tool.ptm-lint]\n')
    (project / "svc.py").write_text(textwrap.dedent(COMPANY_CODE))
    out = tmp_path / "out.json"
    args = ["inventory", str(project), "--format", "json", "-o", str(out)]
    assert main(args) == 0
    assert json.loads(out.read_text())["references"] == []
    (project / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "1.0"\n' + COMPANY_LOADERS)
    assert main(args) == 0
    assert [r["detection"] for r in json.loads(out.read_text())["references"]] == ["config"] * 3


@pytest.mark.parametrize(("table", "message"), [
    ('[[tool.ptm-lint.loaders]]\napi = "acme.load"\n', "missing model"),
    ('[[tool.ptm-lint.loaders]]\napi = "acme.load"\nmodel = {pos = 0}\nhub = "github"\n', "hub must be one of"),
    ('[[tool.ptm-lint.loaders]]\napi = "acme.load"\nmodel = {pos = 0}\nwhere = 1\n', "unknown key where"),
    ('[tool.ptm-lint.loaders]\napi = "acme.load"\n', "array of tables"),
    ('[[tool.ptm-lint.loaders]]\napi = "acme..load"\nmodel = {pos = 0}\n', "dotted name"),
])
def test_declared_loaders_are_validated_strictly(tmp_path, capsys, table, message):
    (tmp_path / "pyproject.toml").write_text("[tool.ptm-lint]\n" + table)
    (tmp_path / "a.py").write_text("x = 1\n")
    assert main(["check", str(tmp_path), "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert "loaders[1]" in err or "loaders must be" in err
    assert message in err


def test_more_catalogued_loaders_seen_in_real_code():
    found = refs('''
        import tensorflow as tf
        from basicsr.utils.download_util import load_file_from_url
        from datasets import load_from_disk
        from faster_whisper import WhisperModel
        from safetensors.torch import load_file
        from transformers.utils import cached_file

        remote_model_path = "https://huggingface.co/lllyasviel/Annotators/resolve/main/ControlNetHED.pth"
        hed = load_file_from_url(remote_model_path, model_dir="annotator/ckpts")
        state = load_file("./models/anything-v3-full.safetensors")
        speakers = load_from_disk("speaker_embeddings")
        asr = WhisperModel("large-v3", device="cuda", compute_type="float16")
        vocab = cached_file("Qwen/Qwen2-7B", "vocab.json", revision="v1.0")

        def model_fn(features, init_checkpoint):
            tf.train.init_from_checkpoint(init_checkpoint, {})
    ''')
    got = [(r.loader, r.hub, r.canonical, r.pin) for r in found]
    assert got == [
        ("basicsr.load_file_from_url", "huggingface", "lllyasviel/Annotators", "mutable"),
        ("safetensors.load_file", "local", None, "local"),
        ("datasets.load_from_disk", "local", None, "local"),
        ("faster_whisper.WhisperModel", "huggingface", "Systran/faster-whisper-large-v3", "mutable"),
        ("transformers.cached_file", "huggingface", "Qwen/Qwen2-7B", "weak"),
        ("tensorflow.train.init_from_checkpoint", "unknown", None, "unknown"),
    ]


def test_adapter_loaders_on_pipelines_and_cached_path_downloads():
    found = refs('''
        import torch
        from cached_path import cached_path
        from diffusers import EulerDiscreteScheduler
        from photomaker import PhotoMakerStableDiffusionXLPipeline
        from vocos import Vocos

        pipe = PhotoMakerStableDiffusionXLPipeline.from_pretrained(
            "SG161222/RealVisXL_V4.0", torch_dtype=torch.bfloat16, use_safetensors=True, variant="fp16")
        pipe.load_ip_adapter("h94/IP-Adapter", subfolder="sdxl_models", weight_name="ip-adapter_sdxl.bin")
        pipe.load_lora_weights("./civitai_models", weight_name="xl_more_art-full.safetensors", adapter_name="xl_more_art")
        ckpt = str(cached_path("hf://SWivid/F5-TTS/F5TTS_v1_Base/model_1250000.safetensors"))
        vocoder = Vocos.from_hparams("configs/vocos.yaml")  # a model built from a config file: no weights
    ''')
    got = [(r.api, r.detection, r.role, r.hub, r.canonical) for r in found]
    assert got == [
        ("photomaker.PhotoMakerStableDiffusionXLPipeline.from_pretrained", "convention", "pipeline", "huggingface",
         "SG161222/RealVisXL_V4.0"),
        # pipe came from PhotoMakerStableDiffusionXLPipeline.from_pretrained: named through its class
        ("photomaker.PhotoMakerStableDiffusionXLPipeline.load_ip_adapter", "convention", "adapter", "huggingface",
         "h94/IP-Adapter"),
        ("photomaker.PhotoMakerStableDiffusionXLPipeline.load_lora_weights", "convention", "adapter", "local", None),
        ("cached_path.cached_path", "catalog", "weights", "huggingface", "SWivid/F5-TTS"),
    ]


def test_relatives_of_sentence_transformers_and_yaml_built_yolo():
    found = refs('''
        from InstructorEmbedding import INSTRUCTOR
        from fastembed import TextEmbedding
        from langchain.embeddings.huggingface import HuggingFaceEmbeddings
        from pylate import models
        from ultralytics import YOLO

        instructor = INSTRUCTOR("hkunlp/instructor-large")
        fast = TextEmbedding()
        legacy = HuggingFaceEmbeddings(model_name="sentence-transformers/all-MiniLM-L6-v2")
        colbert = models.ColBERT(model_name_or_path="lightonai/GTE-ModernColBERT-v1")
        scratch = YOLO("yolov12s.yaml")  # built from a config: nothing downloaded
        trained = YOLO("yolov8n.pt")
    ''')
    assert [(r.loader, r.canonical) for r in found] == [
        ("InstructorEmbedding.INSTRUCTOR", "hkunlp/instructor-large"),
        ("fastembed.TextEmbedding", "BAAI/bge-small-en-v1.5"),
        ("langchain_community.HuggingFaceEmbeddings", "sentence-transformers/all-MiniLM-L6-v2"),
        ("pylate.ColBERT", "lightonai/GTE-ModernColBERT-v1"),
        ("ultralytics.YOLO", None),
    ]


def test_mms_language_adapters_are_not_repo_loads_but_peft_adapters_are():
    found = refs('''
        from transformers import AutoModelForCausalLM, Wav2Vec2ForCTC

        asr = Wav2Vec2ForCTC.from_pretrained("facebook/mms-1b-all", target_lang="fra", ignore_mismatched_sizes=True)
        asr.load_adapter("fra")  # the MMS adapter of the model above, by language code

        lm = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B")
        lm.load_adapter("org/llama-3.1-8b-sql-lora", adapter_name="sql", revision="v1.0")
    ''')
    assert [(r.api, r.role, r.canonical, r.pin) for r in found] == [
        ("transformers.Wav2Vec2ForCTC.from_pretrained", "model", "facebook/mms-1b-all", "mutable"),
        ("transformers.AutoModelForCausalLM.from_pretrained", "model", "meta-llama/Llama-3.1-8B", "mutable"),
        ("transformers.AutoModelForCausalLM.load_adapter", "adapter", "org/llama-3.1-8b-sql-lora", "weak"),
    ]


def test_a_repo_module_named_like_a_catalogued_package_shadows_it(tmp_path):
    """`python serve.py` imports the inference.py beside it, not Roboflow's `inference` package;
    a repo *package* of a library's name (the library's own source tree) is still the library."""
    report = check(tmp_path, {
        "service/inference.py": "def get_model(model_id, api_key=None):\n    return load_local(model_id)\n",
        "service/serve.py": "from inference import get_model\n\nmodel = get_model(model_id='fraud/3')\n",
        "tools/detect.py": "from inference import get_model\n\nmodel = get_model(model_id='fraud/3')\n",
        "sentence_transformers/__init__.py": "class SentenceTransformer:\n    pass\n",
        "examples/encode.py": "from sentence_transformers import SentenceTransformer\n\n"
                              "m = SentenceTransformer('sentence-transformers/all-MiniLM-L6-v2')\n",
    })
    found = {(r["path"], r["api"]) for r in report["references"]}
    assert ("service/serve.py", "inference.get_model") not in found
    assert ("tools/detect.py", "inference.get_model") in found  # no inference.py where Python looks
    assert ("examples/encode.py", "sentence_transformers.SentenceTransformer") in found


def test_repo_classes_named_through_one_shared_module_keep_their_own_bases(tmp_path):
    """Several files constructing different subclasses from one package of the repo (PhotoMaker's
    `from photomaker import FaceAnalysis2`): each call is named through its own class's bases."""
    files = {
        "studio/__init__.py": ("from insightface.app import FaceAnalysis\nfrom sentence_transformers import "
                               "SentenceTransformer\n\n\nclass FaceAnalysisPro(FaceAnalysis):\n    pass\n\n\n"
                               "class SentenceTransformerLite(SentenceTransformer):\n    pass\n"),
    }
    for i in range(6):
        cls, arg = ("FaceAnalysisPro", "name='buffalo_l'") if i % 2 == 0 else ("SentenceTransformerLite", "'org/enc'")
        files[f"jobs/job{i}.py"] = (f"from transformers import AutoTokenizer\nfrom studio import {cls}\n\n"
                                    f"model = {cls}({arg})\ntok = AutoTokenizer.from_pretrained('org/tok')\n")
    report = check(tmp_path, files)
    apis = {r["path"]: r["api"] for r in report["references"] if r["line"] == 4}
    for i in range(6):
        want = "insightface.app.FaceAnalysis" if i % 2 == 0 else "sentence_transformers.SentenceTransformer"
        assert apis.get(f"jobs/job{i}.py") == want, (i, apis)
