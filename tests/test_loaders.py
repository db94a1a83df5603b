# ruff: noqa: E501  (a data table of source snippets)
"""The loader catalog (rules/loaders/*.toml): data checks, qualified-name matching, and one
scanned reference per API form (expected values follow docs/resolution.md)."""

from __future__ import annotations

import re
import textwrap

import pytest

from ptm_lint.catalog import SCHEMES, load_catalog
from ptm_lint.core import HUBS, ROLES

SHA = "0123456789abcdef0123456789abcdef01234567"
SHA2 = "fedcba9876543210fedcba9876543210fedcba98"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


# ---------------------------------------------------------------------------------------------
# The data itself
# ---------------------------------------------------------------------------------------------

def test_catalog_loads(catalog):
    assert len(catalog.loaders) >= 60
    assert catalog.triggers
    for loader in catalog.loaders:
        assert loader.hub in HUBS
        assert loader.role in ROLES
        assert loader.scheme in SCHEMES


def test_loader_ids_unique(catalog):
    ids = [loader.id for loader in catalog.loaders]
    assert len(ids) == len(set(ids))


def test_every_loader_has_triggers_and_a_module_root(catalog):
    for loader in catalog.loaders:
        assert loader.triggers, loader.id
        assert all(t.strip() == t and t for t in loader.triggers), loader.id
        for pattern in loader.match:
            root = re.match(r"\w+", pattern.pattern)
            assert root and root.group(0) in catalog.roots, (loader.id, pattern.pattern)


def test_every_deprecation_names_a_package(catalog):
    for loader in catalog.loaders:
        for dep in loader.deprecated:
            assert dep.package, (loader.id, dep.arg)
            assert dep.arg, loader.id
            # at least one of: a version, a replacement, an explanation
            assert dep.since or dep.removed or dep.replacement or dep.note, (loader.id, dep.arg)
            for version in (dep.since, dep.removed):
                assert version is None or re.fullmatch(r"\d+(\.\d+)*", version), (loader.id, dep.arg, version)


# APIs whose id is no argument of the call: it is spread over a fluent chain
# (`rf.workspace(w).project(p).version(n).download(fmt)`) or held by a config object
# (`ExLlamaV2(config).load()`). Their entries say `model = {}`.
ID_NOT_AN_ARGUMENT = {"roboflow.Version.download", "exllamav2.ExLlamaV2.load"}


def test_argument_specs_are_consistent(catalog):
    for loader in catalog.loaders:
        assert (loader.model_from_callee or loader.model.pos is not None or loader.model.kw
                or loader.model_default is not None or loader.id in ID_NOT_AN_ARGUMENT), loader.id
        names = {name for name, _ in loader.args}
        for name in loader.load_if:
            assert name in names, (loader.id, name)
        if loader.model_prefix:
            # "org/" or "org/name-prefix-" (faster-whisper's "large-v3" -> Systran/faster-whisper-large-v3)
            assert loader.model_prefix.count("/") == 1 and not loader.model_prefix.startswith("/"), loader.id


# ---------------------------------------------------------------------------------------------
# Qualified name -> loader id (the catalog alone; no scanner needed)
# ---------------------------------------------------------------------------------------------

MATCHES = [
    ("huggingface_hub.hf_hub_download", "huggingface_hub.hf_hub_download"),
    ("huggingface_hub.file_download.hf_hub_download", "huggingface_hub.hf_hub_download"),
    ("huggingface_hub.HfApi.hf_hub_download", "huggingface_hub.hf_hub_download"),
    ("huggingface_hub.hf_api.HfApi.snapshot_download", "huggingface_hub.snapshot_download"),
    ("huggingface_hub._snapshot_download.snapshot_download", "huggingface_hub.snapshot_download"),
    ("huggingface_hub.HfApi.model_info", "huggingface_hub.model_info"),
    ("huggingface_hub.model_info", "huggingface_hub.model_info"),
    ("huggingface_hub.hf_hub_url", "huggingface_hub.hf_hub_url"),
    ("huggingface_hub.InferenceClient", "huggingface_hub.InferenceClient"),
    ("huggingface_hub.AsyncInferenceClient", "huggingface_hub.AsyncInferenceClient"),
    ("huggingface_hub.PyTorchModelHubMixin.from_pretrained", "huggingface_hub.ModelHubMixin.from_pretrained"),
    ("huggingface_hub.ModelHubMixin.from_pretrained", "huggingface_hub.ModelHubMixin.from_pretrained"),
    ("huggingface_hub.from_pretrained_keras", "huggingface_hub.from_pretrained_keras"),
    ("datasets.load_dataset", "datasets.load_dataset"),
    ("datasets.load.load_dataset_builder", "datasets.load_dataset"),
    ("diffusers.DiffusionPipeline.from_pretrained", "diffusers.from_pretrained"),
    ("diffusers.UNet2DConditionModel.from_pretrained", "diffusers.from_pretrained"),
    ("diffusers.DDIMScheduler.from_pretrained", "diffusers.scheduler"),
    ("diffusers.schedulers.EulerDiscreteScheduler.from_pretrained", "diffusers.scheduler"),
    ("diffusers.StableDiffusionXLPipeline.from_single_file", "diffusers.single_file"),
    ("sentence_transformers.SentenceTransformer", "sentence_transformers.SentenceTransformer"),
    ("sentence_transformers.cross_encoder.CrossEncoder", "sentence_transformers.CrossEncoder"),
    ("sentence_transformers.SparseEncoder", "sentence_transformers.SparseEncoder"),
    ("sentence_transformers.models.Transformer", "sentence_transformers.models.Transformer"),
    ("peft.PeftModel.from_pretrained", "peft.PeftModel"),
    ("peft.PeftModelForCausalLM.from_pretrained", "peft.PeftModel"),
    ("peft.AutoPeftModelForCausalLM.from_pretrained", "peft.AutoPeftModel"),
    ("setfit.SetFitModel.from_pretrained", "setfit.SetFitModel"),
    ("timm.create_model", "timm.create_model"),
    ("timm.models.create_model", "timm.create_model"),
    ("open_clip.create_model_and_transforms", "open_clip.create_model"),
    ("open_clip.create_model_from_pretrained", "open_clip.create_model"),
    ("open_clip.get_tokenizer", "open_clip.get_tokenizer"),
    ("torch.hub.load", "torch.hub.load"),
    ("torch.hub.load_state_dict_from_url", "torch.hub.load_state_dict_from_url"),
    ("torch.utils.model_zoo.load_url", "torch.hub.load_state_dict_from_url"),
    ("torch.hub.download_url_to_file", "torch.hub.download_url_to_file"),
    ("torch.load", "torch.load"),
    ("torch.serialization.load", "torch.load"),
    ("torch.jit.load", "torch.jit.load"),
    ("torchvision.models.resnet50", "torchvision.builder"),
    ("torchvision.models.resnet.resnet50", "torchvision.builder"),
    ("torchvision.models.detection.fasterrcnn_resnet50_fpn", "torchvision.builder"),
    ("torchvision.models.quantization.mobilenet_v2", "torchvision.builder"),
    ("torchvision.models.get_model", "torchvision.get_model"),
    ("tensorflow_hub.load", "tensorflow_hub.load"),
    ("tensorflow_hub.KerasLayer", "tensorflow_hub.KerasLayer"),
    ("tensorflow_hub.Module", "tensorflow_hub.Module"),
    ("tensorflow_hub.resolve", "tensorflow_hub.resolve"),
    ("kagglehub.model_download", "kagglehub.model_download"),
    ("keras_hub.models.GemmaCausalLM.from_preset", "keras_hub.from_preset"),
    ("keras_hub.models.GemmaTokenizer.from_preset", "keras_hub.tokenizer"),
    ("keras_nlp.models.BertClassifier.from_preset", "keras_nlp.from_preset"),
    ("keras.applications.ResNet50", "keras.applications"),
    ("keras.applications.efficientnet.EfficientNetB0", "keras.applications"),
    ("tensorflow.keras.applications.MobileNetV2", "tensorflow.keras.applications"),
    ("keras.saving.load_model", "keras.load_model"),
    ("keras.models.load_model", "keras.load_model"),
    ("tensorflow.keras.models.load_model", "tensorflow.keras.load_model"),
    ("llama_cpp.Llama.from_pretrained", "llama_cpp.Llama.from_pretrained"),
    ("vllm.LLM", "vllm.LLM"),
    ("langchain_huggingface.HuggingFaceEmbeddings", "langchain_huggingface.HuggingFaceEmbeddings"),
    ("langchain_community.embeddings.HuggingFaceEmbeddings", "langchain_community.HuggingFaceEmbeddings"),
    ("langchain_huggingface.HuggingFacePipeline.from_model_id", "langchain.HuggingFacePipeline.from_model_id"),
    ("optimum.onnxruntime.ORTModelForSequenceClassification.from_pretrained", "optimum.onnxruntime"),
    ("optimum.intel.OVModelForCausalLM.from_pretrained", "optimum.intel"),
    ("mlx_lm.load", "mlx_lm.load"),
    ("whisper.load_model", "whisper.load_model"),
    ("clip.load", "clip.load"),
    ("ultralytics.YOLO", "ultralytics.YOLO"),
    ("ultralytics.RTDETR", "ultralytics.other"),
    ("ultralytics.SAM", "ultralytics.other"),
    ("ultralytics.YOLOWorld", "ultralytics.other"),
    ("speechbrain.inference.speaker.EncoderClassifier.from_hparams", "speechbrain.from_hparams"),
    ("speechbrain.pretrained.EncoderDecoderASR.from_hparams", "speechbrain.from_hparams"),
    ("pyannote.audio.Pipeline.from_pretrained", "pyannote.audio.from_pretrained"),
    ("pyannote.audio.Model.from_pretrained", "pyannote.audio.from_pretrained"),
    # transformers entries are not shadowed by later files
    ("transformers.AutoModel.from_pretrained", "transformers.model"),
    # catalog gaps found on the hand-labelled real-world set (docs/real-world.md)
    ("roboflow.Roboflow.workspace.project.version.download", "roboflow.Version.download"),
    ("roboflow.download_dataset", "roboflow.download_dataset"),
    ("rfdetr.RFDETRNano", "rfdetr.RFDETR"),
    ("rfdetr.detr.RFDETRSegPreview", "rfdetr.RFDETR"),
    ("inference.get_model", "inference.get_model"),
    ("inference.models.YOLOWorld", "inference.models.YOLOWorld"),
    ("autodistill_grounded_sam.GroundedSAM", "autodistill.base_model"),
    ("autodistill_yolov8.YOLOv8", "autodistill_yolov8.YOLOv8"),
    ("segment_anything.build_sam_vit_h", "segment_anything.build_sam"),
    ("segment_anything.sam_model_registry[]", "segment_anything.build_sam"),
    ("fastsam.FastSAM", "fastsam.FastSAM"),
    ("insightface.app.FaceAnalysis", "insightface.FaceAnalysis"),
    ("rwkv.model.RWKV", "rwkv.RWKV"),
    ("tinychat.utils.load_quant.load_awq_llama_fast", "tinychat.load_awq"),
    ("llama.load_quant", "gptq_for_llama.load_quant"),
    ("exllamav2.ExLlamaV2.load", "exllamav2.ExLlamaV2.load"),
    ("tensorflow_datasets.load", "tensorflow_datasets.load"),
    ("tensorflow_datasets.core.load.load", "tensorflow_datasets.load"),
    ("tflite_model_maker.image_classifier.create", "tflite_model_maker.create"),
    ("torchaudio.pipelines.WAV2VEC2_ASR_BASE_960H.get_model", "torchaudio.pipelines.get_model"),
    ("torchaudio.pipelines.__dict__[].get_model", "torchaudio.pipelines.get_model"),
    ("nltk.download", "nltk.download"),
    ("joblib.load", "joblib.load"),
    ("model2vec.StaticModel.from_pretrained", "model2vec.StaticModel.from_pretrained"),
    ("model2vec.distill.distill", "model2vec.distill"),
    ("sentence_transformers.models.StaticEmbedding.from_model2vec", "sentence_transformers.models.StaticEmbedding"),
    ("flashrank.Ranker", "flashrank.Ranker"),
    ("rank_llm.rerank.listwise.zephyr_reranker.ZephyrReranker", "rank_llm.Reranker"),
    ("splade.models.transformer_rep.Splade", "splade.Splade"),
    ("openmind.utils.hub.snapshot_download", "openmind.snapshot_download"),
    ("openmind_hub.snapshot_download", "openmind.snapshot_download"),
    ("openmind.OmDataset.load_dataset", "openmind.OmDataset.load_dataset"),
    ("funasr_onnx.SenseVoiceSmall", "funasr_runtime.model"),
    ("funasr_torch.paraformer_bin.Paraformer", "funasr_runtime.model"),
    ("diffusers.utils._get_model_file", "diffusers._get_model_file"),
    ("gemma.params.load_and_format_params", "gemma.load_and_format_params"),
]

NOT_MATCHED = [
    "torchvision.models.ResNet50_Weights",
    "torchvision.models.ResNet",
    "torchvision.models.get_model_weights",
    "torchvision.models.get_weight",
    "torchvision.models.list_models",
    "torchvision.models._utils.handle_legacy_interface",
    "keras.applications.resnet50.preprocess_input",
    "keras.applications.imagenet_utils.decode_predictions",
    "huggingface_hub.login",
    "huggingface_hub.HfApi.upload_file",
    "sentence_transformers.SentenceTransformer.encode",
    "torch.hub.set_dir",
    "torch.save",
    "tensorflow_hub.KerasLayer.call",
    "datasets.Dataset.from_dict",
    "mymodule.hf_hub_download",
    "roboflow.Roboflow.workspace.project.version",  # metadata only; .download() fetches the files
    "segment_anything.sam_model_registry",  # the registry itself, not one of its builders called
    "roboflow.Roboflow.workspace",
    "rfdetr.RFDETRNano.predict",
    "nltk.data.load",  # reads installed data, downloads nothing
    "tensorflow_datasets.builder",
    "joblib.dump",
    "torchaudio.pipelines.WAV2VEC2_ASR_BASE_960H.get_labels",
    "exllamav2.ExLlamaV2Config.prepare",
]


@pytest.mark.parametrize(("qualname", "loader_id"), MATCHES)
def test_qualname_matches(catalog, qualname, loader_id):
    loader = catalog.find(qualname)
    assert loader is not None, qualname
    assert loader.id == loader_id


@pytest.mark.parametrize("qualname", NOT_MATCHED)
def test_qualname_not_matched(catalog, qualname):
    loader = catalog.find(qualname)
    assert loader is None, (qualname, loader and loader.id)


DEPRECATIONS = [
    ("huggingface_hub.hf_hub_download", "use_auth_token", "huggingface-hub", "1.0.0"),
    ("huggingface_hub.snapshot_download", "local_dir_use_symlinks", "huggingface-hub", None),
    ("huggingface_hub.hf_hub_download", "resume_download", "huggingface-hub", None),
    ("torchvision.builder", "pretrained", "torchvision", None),
    ("torchvision.builder", "pretrained_backbone", "torchvision", None),
    ("diffusers.from_pretrained", "revision=fp16", "diffusers", "1.0.0"),
    ("datasets.load_dataset", "use_auth_token", "datasets", "3.0.0"),
    ("sentence_transformers.SentenceTransformer", "use_auth_token", "sentence-transformers", None),
    ("sentence_transformers.CrossEncoder", "automodel_args", "sentence-transformers", None),
    ("optimum.onnxruntime", "from_transformers", "optimum", "2.0.0"),
    ("pyannote.audio.from_pretrained", "use_auth_token", "pyannote-audio", None),
    ("llama_cpp.Llama.from_pretrained", "local_dir_use_symlinks", "huggingface-hub", None),
]


@pytest.mark.parametrize(("loader_id", "arg", "package", "removed"), DEPRECATIONS)
def test_deprecations_recorded(catalog, loader_id, arg, package, removed):
    loader = catalog.by_id(loader_id)
    assert loader is not None
    deps = {d.arg: d for d in loader.deprecated}
    assert arg in deps
    assert deps[arg].package == package
    if removed is not None:
        assert deps[arg].removed == removed


# ---------------------------------------------------------------------------------------------
# One reference per API form, through the scanner (skipped until ptm_lint.pipeline exists)
# ---------------------------------------------------------------------------------------------

ANY = object()  # the docs leave this field open

# (id, source, (api, hub, role, model, canonical, revision, pin))
ROWS = [
    # --- huggingface_hub ---------------------------------------------------------------------
    ("hf_hub_download-legacy-id",
     'from huggingface_hub import hf_hub_download\nhf_hub_download("bert-base-uncased", "config.json")',
     ("huggingface_hub.hf_hub_download", "huggingface", "model", "bert-base-uncased",
      "google-bert/bert-base-uncased", None, "mutable")),
    ("hf_hub_download-kw-sha",
     f'import huggingface_hub\nhuggingface_hub.hf_hub_download(repo_id="org/m", filename="w.safetensors", revision="{SHA}")',
     ("huggingface_hub.hf_hub_download", "huggingface", "model", "org/m", "org/m", SHA, "immutable")),
    ("hf_hub_download-submodule-tag",
     'from huggingface_hub.file_download import hf_hub_download\nhf_hub_download("org/m", "f.bin", revision="v1.0")',
     ("huggingface_hub.file_download.hf_hub_download", "huggingface", "model", "org/m", "org/m", "v1.0", "weak")),
    ("hf_hub_download-alias-module",
     'import huggingface_hub as hh\nhh.hf_hub_download("org/m", "f.bin", revision="abc1234")',
     ("huggingface_hub.hf_hub_download", "huggingface", "model", "org/m", "org/m", "abc1234", "weak")),
    ("hf_hub_download-dataset",
     f'from huggingface_hub import hf_hub_download\nhf_hub_download("org/ds", "train.parquet", repo_type="dataset", revision="{SHA}")',
     ("huggingface_hub.hf_hub_download", "huggingface", "dataset", "org/ds", "org/ds", SHA, "immutable")),
    ("HfApi-instance-inline",
     'from huggingface_hub import HfApi\nHfApi().hf_hub_download("org/m", "f.bin")',
     ("huggingface_hub.HfApi.hf_hub_download", "huggingface", "model", "org/m", "org/m", None, "mutable")),
    ("HfApi-instance-variable",
     'from huggingface_hub import HfApi\napi = HfApi()\napi.snapshot_download("org/m", revision="main")',
     ("huggingface_hub.HfApi.snapshot_download", "huggingface", "model", "org/m", "org/m", "main", "mutable")),
    ("snapshot_download-dataset",
     f'from huggingface_hub import snapshot_download\nsnapshot_download("org/ds", repo_type="dataset", revision="{SHA}")',
     ("huggingface_hub.snapshot_download", "huggingface", "dataset", "org/ds", "org/ds", SHA, "immutable")),
    ("snapshot_download-pr-ref",
     'from huggingface_hub import snapshot_download\nsnapshot_download(repo_id="org/m", revision="refs/pr/3")',
     ("huggingface_hub.snapshot_download", "huggingface", "model", "org/m", "org/m", "refs/pr/3", "mutable")),
    ("snapshot_download-unknown-id",
     'from huggingface_hub import snapshot_download\ndef get(repo):\n    return snapshot_download(repo)',
     ("huggingface_hub.snapshot_download", "huggingface", "model", None, None, None, "unknown")),
    ("snapshot_download-dynamic-kwargs",
     'from huggingface_hub import snapshot_download\ndef get(**kw):\n    return snapshot_download("org/m", **kw)',
     ("huggingface_hub.snapshot_download", "huggingface", "model", "org/m", "org/m", None, "unknown")),
    ("snapshot_download-constant",
     f'from huggingface_hub import snapshot_download\nREPO = "org/m"\nREV = "{SHA}"\nsnapshot_download(REPO, revision=REV)',
     ("huggingface_hub.snapshot_download", "huggingface", "model", "org/m", "org/m", SHA, "immutable")),
    ("hf_hub_url",
     'from huggingface_hub import hf_hub_url\nurl = hf_hub_url("gpt2", "pytorch_model.bin")',
     ("huggingface_hub.hf_hub_url", "huggingface", "model", "gpt2", "openai-community/gpt2", None, "mutable")),
    ("model_info",
     'from huggingface_hub import HfApi\ninfo = HfApi().model_info("org/m")',
     ("huggingface_hub.HfApi.model_info", "huggingface", "other", "org/m", "org/m", None, "mutable")),
    ("InferenceClient",
     'from huggingface_hub import InferenceClient\nclient = InferenceClient("meta-llama/Llama-3.1-8B-Instruct")',
     ("huggingface_hub.InferenceClient", "huggingface", "model", "meta-llama/Llama-3.1-8B-Instruct",
      "meta-llama/Llama-3.1-8B-Instruct", None, "mutable")),
    ("AsyncInferenceClient",
     'from huggingface_hub import AsyncInferenceClient\nclient = AsyncInferenceClient(model="org/m")',
     ("huggingface_hub.AsyncInferenceClient", "huggingface", "model", "org/m", "org/m", None, "mutable")),
    ("PyTorchModelHubMixin-subclass",
     f'import torch.nn as nn\nfrom huggingface_hub import PyTorchModelHubMixin\n'
     f'class Net(nn.Module, PyTorchModelHubMixin):\n    pass\n'
     f'net = Net.from_pretrained("org/net", revision="{SHA}")',
     ("huggingface_hub.PyTorchModelHubMixin.from_pretrained", "huggingface", "model", "org/net", "org/net", SHA,
      "immutable")),
    ("from_pretrained_keras",
     'from huggingface_hub import from_pretrained_keras\nm = from_pretrained_keras("keras-io/ocr-for-captcha")',
     ("huggingface_hub.from_pretrained_keras", "huggingface", "model", "keras-io/ocr-for-captcha",
      "keras-io/ocr-for-captcha", None, "mutable")),
    # --- datasets -------------------------------------------------------------------------------
    ("load_dataset",
     'from datasets import load_dataset\nds = load_dataset("stanfordnlp/imdb")',
     ("datasets.load_dataset", "huggingface", "dataset", "stanfordnlp/imdb", "stanfordnlp/imdb", None, "mutable")),
    ("load_dataset-config-sha",
     f'import datasets\nds = datasets.load_dataset("org/ds", "en", split="train", revision="{SHA}")',
     ("datasets.load_dataset", "huggingface", "dataset", "org/ds", "org/ds", SHA, "immutable")),
    ("load_dataset-tag",
     'from datasets import load_dataset\nds = load_dataset("org/ds", revision="v2.0")',
     ("datasets.load_dataset", "huggingface", "dataset", "org/ds", "org/ds", "v2.0", "weak")),
    ("load_dataset-builder",
     'from datasets import load_dataset\nds = load_dataset("csv", data_files="train.csv")',
     ("datasets.load_dataset", "local", "dataset", "csv", None, None, "local")),
    # --- diffusers ------------------------------------------------------------------------------
    ("DiffusionPipeline",
     'from diffusers import DiffusionPipeline\np = DiffusionPipeline.from_pretrained("stabilityai/stable-diffusion-xl-base-1.0")',
     ("diffusers.DiffusionPipeline.from_pretrained", "huggingface", "model", "stabilityai/stable-diffusion-xl-base-1.0",
      "stabilityai/stable-diffusion-xl-base-1.0", None, "mutable")),
    ("StableDiffusionPipeline-fp16-revision",
     'import diffusers\np = diffusers.StableDiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5", revision="fp16")',
     ("diffusers.StableDiffusionPipeline.from_pretrained", "huggingface", "model", "runwayml/stable-diffusion-v1-5",
      "runwayml/stable-diffusion-v1-5", "fp16", "mutable")),
    ("UNet-subfolder-sha",
     f'from diffusers import UNet2DConditionModel\nu = UNet2DConditionModel.from_pretrained("org/m", subfolder="unet", revision="{SHA}")',
     ("diffusers.UNet2DConditionModel.from_pretrained", "huggingface", "model", "org/m", "org/m", SHA, "immutable")),
    ("diffusers-scheduler",
     'from diffusers.schedulers import DDIMScheduler\ns = DDIMScheduler.from_pretrained("org/m", subfolder="scheduler")',
     ("diffusers.schedulers.DDIMScheduler.from_pretrained", "huggingface", "config", "org/m", "org/m", None, "mutable")),
    ("AutoPipeline-variant-tag",
     'from diffusers import AutoPipelineForText2Image\np = AutoPipelineForText2Image.from_pretrained("org/m", variant="fp16", revision="v1.0")',
     ("diffusers.AutoPipelineForText2Image.from_pretrained", "huggingface", "model", "org/m", "org/m", "v1.0", "weak")),
    ("from_single_file-url",
     'from diffusers import StableDiffusionXLPipeline\n'
     'p = StableDiffusionXLPipeline.from_single_file("https://huggingface.co/org/m/blob/main/sd_xl.safetensors")',
     ("diffusers.StableDiffusionXLPipeline.from_single_file", "huggingface", "model",
      "https://huggingface.co/org/m/blob/main/sd_xl.safetensors", "org/m", "main", "mutable")),
    ("from_single_file-local",
     'from diffusers import StableDiffusionPipeline\np = StableDiffusionPipeline.from_single_file("./models/v1-5.safetensors")',
     ("diffusers.StableDiffusionPipeline.from_single_file", "local", "model", "./models/v1-5.safetensors", None, None,
      "local")),
    # --- sentence-transformers ------------------------------------------------------------------
    ("SentenceTransformer-bare",
     'from sentence_transformers import SentenceTransformer\nm = SentenceTransformer("all-MiniLM-L6-v2")',
     ("sentence_transformers.SentenceTransformer", "huggingface", "model", "all-MiniLM-L6-v2",
      "sentence-transformers/all-MiniLM-L6-v2", None, "mutable")),
    ("SentenceTransformer-legacy-id",
     'from sentence_transformers import SentenceTransformer\nm = SentenceTransformer("bert-base-uncased")',
     ("sentence_transformers.SentenceTransformer", "huggingface", "model", "bert-base-uncased",
      "google-bert/bert-base-uncased", None, "mutable")),
    ("SentenceTransformer-kw-sha",
     f'import sentence_transformers as st\nm = st.SentenceTransformer(model_name_or_path="BAAI/bge-small-en-v1.5", revision="{SHA}")',
     ("sentence_transformers.SentenceTransformer", "huggingface", "model", "BAAI/bge-small-en-v1.5",
      "BAAI/bge-small-en-v1.5", SHA, "immutable")),
    ("SentenceTransformer-positional-revision",
     f'from sentence_transformers import SentenceTransformer\n'
     f'm = SentenceTransformer("org/m", None, None, None, None, None, None, False, "{SHA}")',
     ("sentence_transformers.SentenceTransformer", "huggingface", "model", "org/m", "org/m", SHA, "immutable")),
    ("CrossEncoder-bare",
     'from sentence_transformers import CrossEncoder\nm = CrossEncoder("ms-marco-MiniLM-L-6-v2")',
     ("sentence_transformers.CrossEncoder", "huggingface", "model", "ms-marco-MiniLM-L-6-v2",
      "cross-encoder/ms-marco-MiniLM-L-6-v2", None, "mutable")),
    ("CrossEncoder-positional-revision",
     'from sentence_transformers.cross_encoder import CrossEncoder\n'
     'm = CrossEncoder("cross-encoder/ms-marco-MiniLM-L-6-v2", 1, 512, None, None, None, False, "main")',
     ("sentence_transformers.cross_encoder.CrossEncoder", "huggingface", "model",
      "cross-encoder/ms-marco-MiniLM-L-6-v2", "cross-encoder/ms-marco-MiniLM-L-6-v2", "main", "mutable")),
    ("SparseEncoder",
     'from sentence_transformers import SparseEncoder\nm = SparseEncoder("naver/splade-v3", revision="v1")',
     ("sentence_transformers.SparseEncoder", "huggingface", "model", "naver/splade-v3", "naver/splade-v3", "v1",
      "weak")),
    # --- peft -----------------------------------------------------------------------------------
    ("PeftModel-positional",
     'from peft import PeftModel\nbase = build_base()\nm = PeftModel.from_pretrained(base, "org/lora")',
     ("peft.PeftModel.from_pretrained", "huggingface", "adapter", "org/lora", "org/lora", None, "mutable")),
    ("PeftModel-kw-sha",
     f'import peft\nm = peft.PeftModel.from_pretrained(build_base(), model_id="org/lora", revision="{SHA}")',
     ("peft.PeftModel.from_pretrained", "huggingface", "adapter", "org/lora", "org/lora", SHA, "immutable")),
    ("PeftModelForCausalLM",
     'from peft import PeftModelForCausalLM\nm = PeftModelForCausalLM.from_pretrained(build_base(), "org/lora")',
     ("peft.PeftModelForCausalLM.from_pretrained", "huggingface", "adapter", "org/lora", "org/lora", None, "mutable")),
    ("AutoPeftModel",
     'from peft import AutoPeftModelForCausalLM\nm = AutoPeftModelForCausalLM.from_pretrained("org/lora", revision="v1")',
     ("peft.AutoPeftModelForCausalLM.from_pretrained", "huggingface", "adapter", "org/lora", "org/lora", "v1", "weak")),
    # --- setfit ---------------------------------------------------------------------------------
    ("SetFitModel",
     f'from setfit import SetFitModel\nm = SetFitModel.from_pretrained("org/setfit", revision="{SHA}")',
     ("setfit.SetFitModel.from_pretrained", "huggingface", "model", "org/setfit", "org/setfit", SHA, "immutable")),
    # --- timm -----------------------------------------------------------------------------------
    ("timm-registry-pretrained",
     'import timm\nm = timm.create_model("resnet50", pretrained=True)',
     ("timm.create_model", "huggingface", "model", "resnet50", None, None, "library")),
    ("timm-tagged-positional",
     'from timm import create_model\nm = create_model("resnet50.a1_in1k", True)',
     ("timm.create_model", "huggingface", "model", "resnet50.a1_in1k", "timm/resnet50.a1_in1k", None, "library")),
    ("timm-hf-hub",
     'import timm\nm = timm.create_model("hf-hub:timm/vit_base_patch16_224.augreg_in21k")',
     ("timm.create_model", "huggingface", "model", "hf-hub:timm/vit_base_patch16_224.augreg_in21k",
      "timm/vit_base_patch16_224.augreg_in21k", None, "mutable")),
    ("timm-hf-hub-sha",
     f'import timm\nm = timm.create_model("hf-hub:org/net@{SHA}", pretrained=True)',
     ("timm.create_model", "huggingface", "model", f"hf-hub:org/net@{SHA}", "org/net", SHA, "immutable")),
    # --- open_clip ------------------------------------------------------------------------------
    ("open_clip-tag",
     'import open_clip\nm, _, pre = open_clip.create_model_and_transforms("ViT-B-32", pretrained="laion2b_s34b_b79k")',
     ("open_clip.create_model_and_transforms", "huggingface", "model", "ViT-B-32", None, ANY, "library")),
    ("open_clip-hf-hub",
     'import open_clip\nm, pre = open_clip.create_model_from_pretrained("hf-hub:laion/CLIP-ViT-B-32-laion2B-s34B-b79K")',
     ("open_clip.create_model_from_pretrained", "huggingface", "model", "hf-hub:laion/CLIP-ViT-B-32-laion2B-s34B-b79K",
      "laion/CLIP-ViT-B-32-laion2B-s34B-b79K", None, "mutable")),
    ("open_clip-tokenizer-hf-hub",
     'from open_clip import get_tokenizer\ntok = get_tokenizer("hf-hub:org/clip")',
     ("open_clip.get_tokenizer", "huggingface", "tokenizer", "hf-hub:org/clip", "org/clip", None, "mutable")),
    # --- torch ----------------------------------------------------------------------------------
    ("torch.hub.load-no-ref",
     'import torch\nm = torch.hub.load("pytorch/vision", "resnet50")',
     ("torch.hub.load", "torch_hub", "model", "pytorch/vision", "pytorch/vision", None, "mutable")),
    ("torch.hub.load-tag",
     'import torch\nm = torch.hub.load("pytorch/vision:v0.10.0", "resnet18", pretrained=True)',
     ("torch.hub.load", "torch_hub", "model", "pytorch/vision:v0.10.0", "pytorch/vision", "v0.10.0", "weak")),
    ("torch.hub.load-from-torch-import-hub-sha",
     f'from torch import hub\nm = hub.load("ultralytics/yolov5:{SHA}", "yolov5s")',
     ("torch.hub.load", "torch_hub", "model", f"ultralytics/yolov5:{SHA}", "ultralytics/yolov5", SHA, "immutable")),
    ("torch.hub.load-from-torch.hub-import-load-branch",
     'from torch.hub import load\nm = load(repo_or_dir="facebookresearch/dino:main", model="dino_vits16")',
     ("torch.hub.load", "torch_hub", "model", "facebookresearch/dino:main", "facebookresearch/dino", "main", "mutable")),
    ("torch.hub.load-local",
     'import torch\nm = torch.hub.load("./hubrepo", "model", source="local")',
     ("torch.hub.load", "local", "model", "./hubrepo", None, None, "local")),
    ("load_state_dict_from_url-checked",
     'import torch\nsd = torch.hub.load_state_dict_from_url("https://download.pytorch.org/models/resnet18-f37072fd.pth", check_hash=True)',
     ("torch.hub.load_state_dict_from_url", "url", "weights", "https://download.pytorch.org/models/resnet18-f37072fd.pth",
      "https://download.pytorch.org/models/resnet18-f37072fd.pth", ANY, "immutable")),
    ("model_zoo.load_url-unchecked",
     'from torch.utils import model_zoo\nsd = model_zoo.load_url("https://example.com/weights/model.pth")',
     ("torch.utils.model_zoo.load_url", "url", "weights", "https://example.com/weights/model.pth",
      "https://example.com/weights/model.pth", None, "mutable")),
    ("download_url_to_file-hash-prefix",
     'import torch\ntorch.hub.download_url_to_file("https://example.com/w.pth", "/tmp/w.pth", "abcdef12")',
     ("torch.hub.download_url_to_file", "url", "weights", "https://example.com/w.pth", "https://example.com/w.pth",
      ANY, "immutable")),
    ("torch.load",
     'import torch\nsd = torch.load("checkpoints/model.pt", weights_only=True)',
     ("torch.load", "local", "weights", "checkpoints/model.pt", None, None, "local")),
    ("torch.serialization.load",
     'from torch.serialization import load\nsd = load("/models/x.pt")',
     ("torch.serialization.load", "local", "weights", "/models/x.pt", None, None, "local")),
    ("torch.jit.load",
     'import torch\nm = torch.jit.load("model_scripted.pt")',
     ("torch.jit.load", "local", "weights", "model_scripted.pt", None, None, "local")),
    # --- torchvision ----------------------------------------------------------------------------
    ("torchvision-weights-string",
     'import torchvision\nm = torchvision.models.resnet50(weights="IMAGENET1K_V2")',
     ("torchvision.models.resnet50", "url", "model", "resnet50", None, "IMAGENET1K_V2", "library")),
    ("torchvision-weights-enum-default",
     'from torchvision.models import resnet50, ResNet50_Weights\nm = resnet50(weights=ResNet50_Weights.DEFAULT)',
     ("torchvision.models.resnet50", "url", "model", "resnet50", None, ANY, "library")),
    ("torchvision-pretrained-legacy",
     'from torchvision import models\nm = models.resnet18(pretrained=True)',
     ("torchvision.models.resnet18", "url", "model", "resnet18", None, "IMAGENET1K_V1", "library")),
    ("torchvision-pretrained-positional",
     'from torchvision import models\nm = models.vgg16(True)',
     ("torchvision.models.vgg16", "url", "model", "vgg16", None, ANY, "library")),
    ("torchvision-detection",
     'import torchvision\nm = torchvision.models.detection.fasterrcnn_resnet50_fpn(weights="DEFAULT")',
     ("torchvision.models.detection.fasterrcnn_resnet50_fpn", "url", "model", "fasterrcnn_resnet50_fpn", None,
      "DEFAULT", "library")),
    ("torchvision-get_model",
     'from torchvision.models import get_model\nm = get_model("resnet50", weights="DEFAULT")',
     ("torchvision.models.get_model", "url", "model", "resnet50", None, "DEFAULT", "library")),
    # --- tensorflow_hub -------------------------------------------------------------------------
    ("hub.load-versioned",
     'import tensorflow_hub as hub\nm = hub.load("https://tfhub.dev/google/universal-sentence-encoder/4")',
     ("tensorflow_hub.load", "tf_hub", "model", "https://tfhub.dev/google/universal-sentence-encoder/4",
      "google/universal-sentence-encoder", "4", "immutable")),
    ("hub.KerasLayer-versioned",
     'import tensorflow_hub as hub\nlayer = hub.KerasLayer("https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/feature_vector/5", trainable=False)',
     ("tensorflow_hub.KerasLayer", "tf_hub", "model",
      "https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/feature_vector/5",
      "google/imagenet/mobilenet_v2_100_224/feature_vector", "5", "immutable")),
    ("hub.KerasLayer-unversioned",
     'from tensorflow_hub import KerasLayer\nlayer = KerasLayer("https://tfhub.dev/google/nnlm-en-dim50")',
     ("tensorflow_hub.KerasLayer", "tf_hub", "model", "https://tfhub.dev/google/nnlm-en-dim50",
      "google/nnlm-en-dim50", None, "mutable")),
    ("hub.Module-tf1",
     'import tensorflow_hub as hub\nelmo = hub.Module("https://tfhub.dev/google/elmo/3", trainable=True)',
     ("tensorflow_hub.Module", "tf_hub", "model", "https://tfhub.dev/google/elmo/3", "google/elmo", "3", "immutable")),
    ("hub.load-kaggle-url",
     'import tensorflow_hub as hub\nm = hub.load("https://www.kaggle.com/models/google/bert/tensorFlow2/en-uncased-l-12-h-768-a-12/4")',
     ("tensorflow_hub.load", "kaggle", "model",
      "https://www.kaggle.com/models/google/bert/tensorFlow2/en-uncased-l-12-h-768-a-12/4",
      "google/bert/tensorFlow2/en-uncased-l-12-h-768-a-12", "4", "immutable")),
    ("hub.resolve",
     'import tensorflow_hub as hub\npath = hub.resolve("https://tfhub.dev/google/elmo/3")',
     ("tensorflow_hub.resolve", "tf_hub", "model", "https://tfhub.dev/google/elmo/3", "google/elmo", "3", "immutable")),
    # --- kagglehub ------------------------------------------------------------------------------
    ("kagglehub-unversioned",
     'import kagglehub\npath = kagglehub.model_download("google/gemma/transformers/2b")',
     ("kagglehub.model_download", "kaggle", "model", "google/gemma/transformers/2b", "google/gemma/transformers/2b",
      None, "mutable")),
    ("kagglehub-versioned",
     'import kagglehub\npath = kagglehub.model_download(handle="google/gemma/transformers/2b/3")',
     ("kagglehub.model_download", "kaggle", "model", "google/gemma/transformers/2b/3", "google/gemma/transformers/2b",
      "3", "immutable")),
    # --- keras ----------------------------------------------------------------------------------
    ("keras_hub-builtin-preset",
     'import keras_hub\nm = keras_hub.models.GemmaCausalLM.from_preset("gemma_2b_en")',
     ("keras_hub.models.GemmaCausalLM.from_preset", "kaggle", "model", "gemma_2b_en", ANY, None, "library")),
    ("keras_hub-tokenizer",
     'from keras_hub.models import GemmaTokenizer\ntok = GemmaTokenizer.from_preset("gemma_2b_en")',
     ("keras_hub.models.GemmaTokenizer.from_preset", "kaggle", "tokenizer", "gemma_2b_en", ANY, None, "library")),
    ("keras_nlp-kaggle-versioned",
     'import keras_nlp\nm = keras_nlp.models.BertClassifier.from_preset("kaggle://keras/bert/keras/bert_base_en_uncased/3")',
     ("keras_nlp.models.BertClassifier.from_preset", "kaggle", "model",
      "kaggle://keras/bert/keras/bert_base_en_uncased/3", "keras/bert/keras/bert_base_en_uncased", "3", "immutable")),
    ("keras_hub-hf",
     'import keras_hub\nm = keras_hub.models.Backbone.from_preset("hf://google/gemma-2b")',
     ("keras_hub.models.Backbone.from_preset", "huggingface", "model", "hf://google/gemma-2b", "google/gemma-2b", None,
      "mutable")),
    ("keras.applications-default-weights",
     'import keras\nm = keras.applications.ResNet50()',
     ("keras.applications.ResNet50", "url", "model", "ResNet50", None, "imagenet", "library")),
    ("tf.keras.applications",
     'import tensorflow as tf\nm = tf.keras.applications.MobileNetV2(weights="imagenet", include_top=False)',
     ("tensorflow.keras.applications.MobileNetV2", "url", "model", "MobileNetV2", None, "imagenet", "library")),
    ("keras.load_model-hf",
     'import keras\nm = keras.saving.load_model("hf://org/m")',
     ("keras.saving.load_model", "huggingface", "model", "hf://org/m", "org/m", None, "mutable")),
    ("tf.keras.load_model-local",
     'import tensorflow as tf\nm = tf.keras.models.load_model("saved/model.keras")',
     ("tensorflow.keras.models.load_model", "local", "model", "saved/model.keras", None, None, "local")),
    # --- other ----------------------------------------------------------------------------------
    ("llama_cpp-from_pretrained",
     'from llama_cpp import Llama\nllm = Llama.from_pretrained("TheBloke/Mistral-7B-GGUF", "*Q4_K_M.gguf")',
     ("llama_cpp.Llama.from_pretrained", "huggingface", "model", "TheBloke/Mistral-7B-GGUF", "TheBloke/Mistral-7B-GGUF",
      None, "mutable")),
    ("vllm-sha",
     f'from vllm import LLM\nllm = LLM("meta-llama/Llama-3.1-8B", revision="{SHA}")',
     ("vllm.LLM", "huggingface", "model", "meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.1-8B", SHA, "immutable")),
    ("vllm-branch",
     'import vllm\nllm = vllm.LLM(model="org/m", revision="main", trust_remote_code=True)',
     ("vllm.LLM", "huggingface", "model", "org/m", "org/m", "main", "mutable")),
    ("HuggingFaceEmbeddings-default",
     'from langchain_huggingface import HuggingFaceEmbeddings\nemb = HuggingFaceEmbeddings()',
     ("langchain_huggingface.HuggingFaceEmbeddings", "huggingface", "model", "sentence-transformers/all-mpnet-base-v2",
      "sentence-transformers/all-mpnet-base-v2", None, "mutable")),
    ("HuggingFaceEmbeddings-model_kwargs-revision",
     f'from langchain_huggingface import HuggingFaceEmbeddings\n'
     f'emb = HuggingFaceEmbeddings(model_name="all-MiniLM-L6-v2", model_kwargs={{"revision": "{SHA}"}})',
     ("langchain_huggingface.HuggingFaceEmbeddings", "huggingface", "model", "all-MiniLM-L6-v2",
      "sentence-transformers/all-MiniLM-L6-v2", SHA, "immutable")),
    ("langchain_community-HuggingFaceEmbeddings",
     'from langchain_community.embeddings import HuggingFaceEmbeddings\nemb = HuggingFaceEmbeddings(model_name="org/m")',
     ("langchain_community.embeddings.HuggingFaceEmbeddings", "huggingface", "model", "org/m", "org/m", None,
      "mutable")),
    ("HuggingFacePipeline.from_model_id",
     'from langchain_huggingface import HuggingFacePipeline\n'
     'llm = HuggingFacePipeline.from_model_id(model_id="gpt2", task="text-generation", model_kwargs={"revision": "v1.0"})',
     ("langchain_huggingface.HuggingFacePipeline.from_model_id", "huggingface", "model", "gpt2", "openai-community/gpt2",
      "v1.0", "weak")),
    ("optimum-ort",
     f'from optimum.onnxruntime import ORTModelForSequenceClassification\n'
     f'm = ORTModelForSequenceClassification.from_pretrained("org/m", revision="{SHA}")',
     ("optimum.onnxruntime.ORTModelForSequenceClassification.from_pretrained", "huggingface", "model", "org/m", "org/m",
      SHA, "immutable")),
    ("optimum-intel",
     'from optimum.intel import OVModelForCausalLM\nm = OVModelForCausalLM.from_pretrained("org/m", export=True)',
     ("optimum.intel.OVModelForCausalLM.from_pretrained", "huggingface", "model", "org/m", "org/m", None, "mutable")),
    ("mlx_lm-kw",
     f'from mlx_lm import load\nmodel, tok = load("mlx-community/Mistral-7B-Instruct-v0.3-4bit", revision="{SHA}")',
     ("mlx_lm.load", "huggingface", "model", "mlx-community/Mistral-7B-Instruct-v0.3-4bit",
      "mlx-community/Mistral-7B-Instruct-v0.3-4bit", SHA, "immutable")),
    ("mlx_lm-positional",
     'import mlx_lm\nmodel, tok = mlx_lm.load("org/m", None, None, None, False, False, "v1.0")',
     ("mlx_lm.load", "huggingface", "model", "org/m", "org/m", "v1.0", "weak")),
    ("whisper-alias",
     'import whisper\nm = whisper.load_model("turbo")',
     ("whisper.load_model", "url", "model", "turbo", None, None, "library")),
    ("whisper-local",
     'import whisper\nm = whisper.load_model("/models/whisper-large.pt")',
     ("whisper.load_model", "local", "model", "/models/whisper-large.pt", None, None, "local")),
    ("clip-alias",
     'import clip\nm, pre = clip.load("ViT-B/32", device="cpu")',
     ("clip.load", "url", "model", "ViT-B/32", None, None, "library")),
    ("YOLO-asset",
     'from ultralytics import YOLO\nm = YOLO("yolov8n.pt")',
     ("ultralytics.YOLO", "url", "model", "yolov8n.pt", None, None, "library")),
    ("YOLO-default",
     'from ultralytics import YOLO\nm = YOLO()',
     ("ultralytics.YOLO", "url", "model", "yolo26n.pt", None, None, "library")),
    ("RTDETR",
     'import ultralytics\nm = ultralytics.RTDETR("rtdetr-l.pt")',
     ("ultralytics.RTDETR", "url", "model", "rtdetr-l.pt", None, None, "library")),
    ("speechbrain-inference",
     'from speechbrain.inference.speaker import EncoderClassifier\n'
     'clf = EncoderClassifier.from_hparams(source="speechbrain/spkrec-ecapa-voxceleb", savedir="tmp")',
     ("speechbrain.inference.speaker.EncoderClassifier.from_hparams", "huggingface", "model",
      "speechbrain/spkrec-ecapa-voxceleb", "speechbrain/spkrec-ecapa-voxceleb", None, "mutable")),
    ("speechbrain-pretrained-sha",
     f'from speechbrain.pretrained import EncoderDecoderASR\n'
     f'asr = EncoderDecoderASR.from_hparams(source="speechbrain/asr-crdnn-rnnlm-librispeech", revision="{SHA}")',
     ("speechbrain.pretrained.EncoderDecoderASR.from_hparams", "huggingface", "model",
      "speechbrain/asr-crdnn-rnnlm-librispeech", "speechbrain/asr-crdnn-rnnlm-librispeech", SHA, "immutable")),
    ("pyannote-Pipeline",
     'from pyannote.audio import Pipeline\np = Pipeline.from_pretrained("pyannote/speaker-diarization-3.1", use_auth_token=TOKEN)',
     ("pyannote.audio.Pipeline.from_pretrained", "huggingface", "model", "pyannote/speaker-diarization-3.1",
      "pyannote/speaker-diarization-3.1", None, "mutable")),
    ("pyannote-Model-revision",
     f'from pyannote.audio import Model\nm = Model.from_pretrained("pyannote/segmentation-3.0", revision="{SHA2}")',
     ("pyannote.audio.Model.from_pretrained", "huggingface", "model", "pyannote/segmentation-3.0",
      "pyannote/segmentation-3.0", SHA2, "immutable")),
    ("pyannote-at-revision",
     f'from pyannote.audio import Pipeline\np = Pipeline.from_pretrained("pyannote/speaker-diarization@{SHA}")',
     ("pyannote.audio.Pipeline.from_pretrained", "huggingface", "model", f"pyannote/speaker-diarization@{SHA}",
      "pyannote/speaker-diarization", SHA, "immutable")),
    # catalog gaps found on the hand-labelled real-world set (docs/real-world.md)
    ("roboflow-version-download",
     'from roboflow import Roboflow\nrf = Roboflow(api_key=KEY)\n'
     'project = rf.workspace("joseph-nelson").project("bccd")\ndataset = project.version(3).download("coco")',
     ("roboflow.Roboflow.workspace.project.version.download", "unknown", "dataset", "joseph-nelson/bccd/3",
      "joseph-nelson/bccd/3", None, "unknown")),
    ("roboflow-download_dataset-url",
     'import roboflow\nroboflow.download_dataset(dataset_url="https://universe.roboflow.com/roboflow-100/circuit-voltages/dataset/2", model_format="yolov8")',
     ("roboflow.download_dataset", "url", "dataset", "https://universe.roboflow.com/roboflow-100/circuit-voltages/dataset/2",
      "https://universe.roboflow.com/roboflow-100/circuit-voltages/dataset/2", None, "unknown")),
    ("rfdetr-default",
     'from rfdetr import RFDETRMedium\nmodel = RFDETRMedium(resolution=640)',
     ("rfdetr.RFDETRMedium", "url", "model", None, None, None, "library")),
    ("rfdetr-local-weights",
     'from rfdetr import RFDETRNano\nmodel = RFDETRNano(pretrain_weights="/content/output/checkpoint_best_total.pth")',
     ("rfdetr.RFDETRNano", "local", "model", "/content/output/checkpoint_best_total.pth", None, None, "local")),
    ("inference-get_model",
     'from inference import get_model\nMODEL_ID = "basketball-player-detection-2/13"\nm = get_model(model_id=MODEL_ID, api_key=KEY)',
     ("inference.get_model", "unknown", "model", "basketball-player-detection-2/13", "basketball-player-detection-2/13", None, "unknown")),
    ("inference-YOLOWorld",
     'from inference.models import YOLOWorld\nmodel = YOLOWorld(model_id="yolo_world/s")',
     ("inference.models.YOLOWorld", "unknown", "model", "yolo_world/s", "yolo_world/s", None, "unknown")),
    ("autodistill-GroundedSAM",
     'from autodistill_grounded_sam import GroundedSAM\nbase_model = GroundedSAM(ontology=CaptionOntology({"fire": "fire"}))',
     ("autodistill_grounded_sam.GroundedSAM", "url", "model", None, None, None, "library")),
    ("autodistill-YOLOv8",
     'from autodistill_yolov8 import YOLOv8\ntarget_model = YOLOv8("yolov8s-seg.pt")',
     ("autodistill_yolov8.YOLOv8", "url", "model", "yolov8s-seg.pt", None, None, "library")),
    ("segment_anything-build_sam",
     'from segment_anything import build_sam_vit_b\nsam = build_sam_vit_b(checkpoint="checkpoints/sam_vit_b_01ec64.pth")',
     ("segment_anything.build_sam_vit_b", "local", "weights", "checkpoints/sam_vit_b_01ec64.pth", None, None, "local")),
    ("segment_anything-registry",
     'from segment_anything import sam_model_registry, SamPredictor\nMODEL_TYPE = "vit_h"\n'
     'sam = sam_model_registry[MODEL_TYPE](checkpoint="weights/sam_vit_h_4b8939.pth").to(device=DEVICE)',
     ("segment_anything.sam_model_registry[]", "local", "weights", "weights/sam_vit_h_4b8939.pth", None, None, "local")),
    ("fastsam",
     'from fastsam import FastSAM\nmodel = FastSAM("./weights/FastSAM-x.pt")',
     ("fastsam.FastSAM", "local", "model", "./weights/FastSAM-x.pt", None, None, "local")),
    ("insightface-default-pack",
     'from insightface.app import FaceAnalysis\napp = FaceAnalysis(providers=["CUDAExecutionProvider"])',
     ("insightface.app.FaceAnalysis", "url", "model", None, None, None, "library")),
    ("insightface-named-pack",
     'from insightface.app import FaceAnalysis\napp = FaceAnalysis(name="antelopev2", root="./")',
     ("insightface.app.FaceAnalysis", "url", "model", "antelopev2", None, None, "library")),
    ("rwkv",
     'from rwkv.model import RWKV\nmodel = RWKV(model="/models/RWKV-4-Pile-169M-20220807-8023", strategy="cpu fp32")',
     ("rwkv.model.RWKV", "local", "model", "/models/RWKV-4-Pile-169M-20220807-8023", None, None, "local")),
    ("tinychat-awq",
     'from tinychat.utils import load_quant\nmodel = load_quant.load_awq_model(model, "quant_cache/llama-7b-w4-g128-awq.pt", 4, 128, "cuda")',
     ("tinychat.utils.load_quant.load_awq_model", "local", "weights", "quant_cache/llama-7b-w4-g128-awq.pt", None, None, "local")),
    ("gptq-for-llama",
     'from llama import load_quant\nmodel = load_quant("decapoda-research/llama-7b-hf", "llama7b-4bit-128g.safetensors", 4, 128)',
     ("llama.load_quant", "local", "weights", "llama7b-4bit-128g.safetensors", None, None, "local")),
    ("exllamav2-load",
     'from exllamav2 import ExLlamaV2, ExLlamaV2Config\nconfig = ExLlamaV2Config()\nconfig.model_dir = model_path\n'
     'config.prepare()\nmodel = ExLlamaV2(config)\nmodel.load([16, 24])',
     ("exllamav2.ExLlamaV2.load", "local", "weights", None, None, None, "unknown")),
    ("tfds-load",
     'import tensorflow_datasets as tfds\ntrain, test = tfds.load("imdb_reviews", split=["train", "test"], as_supervised=True)',
     ("tensorflow_datasets.load", "unknown", "dataset", "imdb_reviews", "imdb_reviews", None, "unknown")),
    ("tflite-model-maker-spec-name",
     'from tflite_model_maker import image_classifier\nmodel = image_classifier.create(train_data, model_spec="efficientnet_lite0")',
     ("tflite_model_maker.image_classifier.create", "url", "model", "efficientnet_lite0", None, None, "library")),
    ("torchaudio-bundle",
     'import torchaudio\nbundle = torchaudio.pipelines.WAV2VEC2_ASR_BASE_960H\nmodel = bundle.get_model()',
     ("torchaudio.pipelines.WAV2VEC2_ASR_BASE_960H.get_model", "url", "model", None, None, None, "library")),
    ("torchaudio-bundle-by-name",
     'import torchaudio\n'
     'def load_align_model(model_name, device):\n'
     '    bundle = torchaudio.pipelines.__dict__[model_name]\n'
     '    return bundle.get_model(dl_kwargs={"model_dir": None}).to(device), bundle.get_labels()',
     ("torchaudio.pipelines.__dict__[].get_model", "url", "model", None, None, None, "library")),
    ("nltk-download",
     'import nltk\nnltk.download("punkt_tab", quiet=True)',
     ("nltk.download", "url", "other", "punkt_tab", "punkt_tab", None, "mutable")),
    ("joblib-load",
     'import joblib\nclf = joblib.load("models/classifier.joblib")',
     ("joblib.load", "local", "model", "models/classifier.joblib", None, None, "local")),
    ("model2vec-StaticModel",
     'from model2vec import StaticModel\nmodel = StaticModel.from_pretrained("minishlab/potion-base-8M")',
     ("model2vec.StaticModel.from_pretrained", "huggingface", "model", "minishlab/potion-base-8M", "minishlab/potion-base-8M", None, "mutable")),
    ("model2vec-distill",
     'from model2vec.distill import distill\nm2v = distill(model_name="BAAI/bge-base-en-v1.5", pca_dims=256)',
     ("model2vec.distill.distill", "huggingface", "model", "BAAI/bge-base-en-v1.5", "BAAI/bge-base-en-v1.5", None, "mutable")),
    ("StaticEmbedding-from_model2vec",
     'from sentence_transformers.models import StaticEmbedding\nemb = StaticEmbedding.from_model2vec("minishlab/potion-base-8M")',
     ("sentence_transformers.models.StaticEmbedding.from_model2vec", "huggingface", "model", "minishlab/potion-base-8M",
      "minishlab/potion-base-8M", None, "mutable")),
    ("flashrank-default",
     'from flashrank import Ranker\nranker = Ranker(max_length=128)',
     ("flashrank.Ranker", "unknown", "model", "ms-marco-TinyBERT-L-2-v2", "ms-marco-TinyBERT-L-2-v2", None, "unknown")),
    ("rank_llm-default",
     'from rank_llm.rerank.listwise.vicuna_reranker import VicunaReranker\nreranker = VicunaReranker()',
     ("rank_llm.rerank.listwise.vicuna_reranker.VicunaReranker", "huggingface", "model", None, None, None, "library")),
    ("splade",
     'from splade.models.transformer_rep import Splade\nmodel = Splade("naver/splade-cocondenser-ensembledistil", agg="max")',
     ("splade.models.transformer_rep.Splade", "huggingface", "model", "naver/splade-cocondenser-ensembledistil",
      "naver/splade-cocondenser-ensembledistil", None, "mutable")),
    ("openmind-snapshot_download",
     'from openmind.utils.hub import snapshot_download\npath = snapshot_download("PyTorch-NPU/qwen1.5_7b_chat", revision="main")',
     ("openmind.utils.hub.snapshot_download", "unknown", "model", "PyTorch-NPU/qwen1.5_7b_chat", "PyTorch-NPU/qwen1.5_7b_chat", "main", "unknown")),
    ("openmind-OmDataset",
     'from openmind import OmDataset\nds = OmDataset.load_dataset(path="AI_Connect/alpaca", split="train")',
     ("openmind.OmDataset.load_dataset", "unknown", "dataset", "AI_Connect/alpaca", "AI_Connect/alpaca", None, "unknown")),
    ("funasr_onnx-SenseVoiceSmall",
     'from funasr_onnx import SenseVoiceSmall\nmodel_dir = "iic/SenseVoiceSmall"\nmodel = SenseVoiceSmall(model_dir, batch_size=10, quantize=True)',
     ("funasr_onnx.SenseVoiceSmall", "modelscope", "model", "iic/SenseVoiceSmall", "iic/SenseVoiceSmall", None, "mutable")),
    ("diffusers-_get_model_file",
     'from diffusers.utils import _get_model_file\n'
     'model_file = _get_model_file("TencentARC/PhotoMaker", weights_name="photomaker-v1.bin", revision="v1.0", subfolder=None)',
     ("diffusers.utils._get_model_file", "huggingface", "weights", "TencentARC/PhotoMaker", "TencentARC/PhotoMaker", "v1.0", "weak")),
    ("gemma-load_and_format_params",
     'from gemma import params as params_lib\nparams = params_lib.load_and_format_params("/kaggle/input/gemma/flax/2b-it/2/2b-it")',
     ("gemma.params.load_and_format_params", "local", "weights", "/kaggle/input/gemma/flax/2b-it/2/2b-it", None, None, "local")),
]

# Calls that load nothing (or are not loaders at all): no reference.
NO_REFERENCE = [
    ("torchvision-no-weights", "import torchvision\nm = torchvision.models.resnet50()"),
    ("torchvision-weights-none", "from torchvision.models import resnet50\nm = resnet50(weights=None)"),
    ("torchvision-pretrained-false", "from torchvision import models\nm = models.resnet50(pretrained=False)"),
    ("torchvision-weights-enum-only", "from torchvision.models import ResNet50_Weights\nw = ResNet50_Weights.DEFAULT\nt = w.transforms()"),
    ("timm-architecture-only", 'import timm\nm = timm.create_model("resnet50")'),
    ("timm-pretrained-false", 'import timm\nm = timm.create_model("resnet50", pretrained=False)'),
    ("keras-applications-weights-none", "import keras\nm = keras.applications.ResNet50(weights=None)"),
    ("keras-preprocess-input", "from keras.applications.resnet50 import preprocess_input\nx = preprocess_input(x)"),
    ("sentence-transformers-modules-only",
     "from sentence_transformers import SentenceTransformer\nm = SentenceTransformer(modules=[a, b])"),
    ("open_clip-architecture-only", 'import open_clip\nm = open_clip.create_model("ViT-B-32")'),
    ("foreign-hf_hub_download", 'from mylib import hf_hub_download\nhf_hub_download("org/m", "f")'),
    ("segment_anything-no-checkpoint", "from segment_anything import build_sam_vit_h\nsam = build_sam_vit_h()"),
    ("nltk-interactive-downloader", "import nltk\nnltk.download()"),
    ("segment_anything-registry-no-checkpoint", 'from segment_anything import sam_model_registry\nsam = sam_model_registry["vit_b"]()'),
    ("roboflow-version-metadata", 'from roboflow import Roboflow\nv = Roboflow().workspace("w").project("p").version(2)'),
]


def _scan_text():
    pipeline = pytest.importorskip("ptm_lint.pipeline")
    scan_text = getattr(pipeline, "scan_text", None)
    if scan_text is None:
        pytest.skip("ptm_lint.pipeline.scan_text is not available yet")
    return scan_text


FIELDS = ("api", "hub", "role", "model", "canonical", "revision", "pin")


def _rows():
    for i, s, e in ROWS:
        yield pytest.param(s, e, id=i)


@pytest.mark.parametrize(("source", "expected"), list(_rows()))
def test_reference(source, expected):
    scan_text = _scan_text()
    refs = scan_text(textwrap.dedent(source) + "\n")
    assert len(refs) == 1, [(r.api, r.model) for r in refs]
    ref = refs[0]
    got = tuple(getattr(ref, f) for f in FIELDS)
    want = tuple(g if e is ANY else e for g, e in zip(got, expected))
    assert dict(zip(FIELDS, got)) == dict(zip(FIELDS, want))


@pytest.mark.parametrize("source", [pytest.param(s, id=i) for i, s in NO_REFERENCE])
def test_no_reference(source):
    scan_text = _scan_text()
    refs = scan_text(source + "\n")
    assert refs == (), [(r.api, r.model) for r in refs]


@pytest.mark.parametrize(("source", "expected"), [pytest.param(s, e, id=i) for i, s, e in ROWS])
def test_prefilter_lets_every_row_through(catalog, source, expected):
    """The matched loader's triggers appear in the source, so the prefilter never hides the call."""
    loader = catalog.find(expected[0])
    assert loader is not None, expected[0]
    assert any(t in source for t in loader.triggers), (loader.id, loader.triggers)


# Security-relevant options and recorded args, including those forwarded through kwargs dicts.
OPTIONS = [
    ("vllm-trust_remote_code", 'from vllm import LLM\nLLM("org/m", trust_remote_code=True, tokenizer_revision="main")',
     "options", {"trust_remote_code": True, "tokenizer_revision": "main"}),
    ("embeddings-model_kwargs-trust_remote_code",
     'from langchain_huggingface import HuggingFaceEmbeddings\n'
     'HuggingFaceEmbeddings(model_name="org/m", model_kwargs={"trust_remote_code": True})',
     "options", {"trust_remote_code": True}),
    ("torch.load-weights_only", 'import torch\ntorch.load("w.pt", weights_only=False)', "options", {"weights_only": False}),
    ("torch.hub-trust_repo", 'import torch\ntorch.hub.load("org/repo", "m", trust_repo=True, force_reload=True)',
     "options", {"trust_repo": True, "force_reload": True}),
    ("load_state_dict_from_url-args", 'import torch\ntorch.hub.load_state_dict_from_url("https://x.org/a-12345678.pth", check_hash=False)',
     "args", {"check_hash": False}),
    ("diffusers-options", 'from diffusers import DiffusionPipeline\n'
     'DiffusionPipeline.from_pretrained("org/m", use_safetensors=False, custom_pipeline="lpw_stable_diffusion")',
     "options", {"use_safetensors": False, "custom_pipeline": "lpw_stable_diffusion"}),
    ("load_dataset-trust_remote_code", 'from datasets import load_dataset\nload_dataset("org/ds", trust_remote_code=True)',
     "options", {"trust_remote_code": True}),
    ("keras-safe_mode", 'import keras\nkeras.saving.load_model("m.keras", safe_mode=False)', "options", {"safe_mode": False}),
    ("hf_hub_download-args", 'from huggingface_hub import hf_hub_download\nhf_hub_download("org/m", "model.bin", repo_type="model")',
     "args", {"filename": "model.bin", "repo_type": "model"}),
    ("timm-args", 'import timm\ntimm.create_model("resnet50", pretrained=True)', "args", {"pretrained": True}),
    ("SentenceTransformer-trust", 'from sentence_transformers import SentenceTransformer\n'
     'SentenceTransformer("org/m", trust_remote_code=True)', "options", {"trust_remote_code": True}),
]


@pytest.mark.parametrize(("source", "field", "expected"), [pytest.param(s, f, e, id=i) for i, s, f, e in OPTIONS])
def test_recorded_options(source, field, expected):
    scan_text = _scan_text()
    refs = scan_text(source + "\n")
    assert len(refs) == 1
    got = dict(getattr(refs[0], field))
    assert {k: got.get(k) for k in expected} == expected


def test_rows_cover_enough_api_forms():
    assert len(ROWS) >= 60
    assert len({r[0] for r in ROWS}) == len(ROWS)
