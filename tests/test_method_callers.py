"""A load inside a method, resolved from the calls of that method: on instances of its class (built
directly, by an alternate constructor such as `from_pretrained`, through `.to(device)`, kept in
`self.pipe`), through `self.method(...)` and `super()`, in other modules, re-exports and notebooks."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from ptm_lint.pipeline import scan_text

from resolving import project

# A diffusers pipeline subclass with its own adapter loader (the shape of TencentARC/PhotoMaker).
PIPELINE = '''
    import torch
    from diffusers import StableDiffusionXLPipeline
    from diffusers.utils import _get_model_file


    class AdapterPipeline(StableDiffusionXLPipeline):
        @torch.no_grad()
        def load_adapter_weights(self, pretrained_model_name_or_path, weight_name, subfolder="", **kwargs):
            cache_dir = kwargs.pop("cache_dir", None)
            model_file = _get_model_file(
                pretrained_model_name_or_path,
                weights_name=weight_name,
                cache_dir=cache_dir,
                subfolder=subfolder,
            )
            state_dict = torch.load(model_file, map_location="cpu")
            self.id_encoder.load_state_dict(state_dict["id_encoder"])
'''


def notebook(*cells: str, outputs: int = 0) -> str:
    """A notebook whose first cell carries `outputs` bytes of embedded image output."""
    out = [{"output_type": "display_data", "metadata": {}, "data": {"image/png": "A" * outputs}}] if outputs else []
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": 1, "outputs": out if i == 0 else [],
                     "source": textwrap.dedent(c).lstrip("\n").splitlines(keepends=True)} for i, c in enumerate(cells)],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb)


def the(found: list, path: str, api: str):
    (ref,) = [r for r in found if r.path == path and r.api.endswith(api)]
    return ref


def cands(ref) -> list[tuple]:
    return [(c.model, c.pin, c.path, c.cell, c.line) for c in ref.candidates or ()]


def test_a_method_takes_the_folders_its_callers_pass_on_instances_of_its_class(tmp_path: Path):
    found = project(tmp_path, {
        "adapters/__init__.py": "from .pipeline import AdapterPipeline\n",
        "adapters/pipeline.py": PIPELINE,
        # A Cog predictor: the pipeline kept in self.pipe by setup(), built through .to(device).
        "predict.py": '''
            import os
            from cog import BasePredictor
            from adapters import AdapterPipeline

            ADAPTER_PATH = "models/adapter-v1.bin"

            class Predictor(BasePredictor):
                def setup(self):
                    self.pipe = AdapterPipeline.from_pretrained("models/base", torch_dtype="auto").to("cuda")
                    self.pipe.load_adapter_weights(
                        os.path.dirname(ADAPTER_PATH),
                        weight_name=os.path.basename(ADAPTER_PATH),
                    )
        ''',
        # A demo passing the folder of a file it downloads: known only at run time.
        "app.py": '''
            import os
            from huggingface_hub import hf_hub_download
            from adapters import AdapterPipeline

            ckpt = hf_hub_download(repo_id="org/adapter", filename="adapter.bin", repo_type="model")
            pipe = AdapterPipeline.from_pretrained("org/base").to("cuda")
            pipe.load_adapter_weights(os.path.dirname(ckpt), weight_name=os.path.basename(ckpt))
        ''',
        # A notebook made large by its outputs (over the 2 MiB a module may have): its code is read.
        "style_demo.ipynb": notebook(
            '''
            import os
            from adapters import AdapterPipeline
            adapter_path = './release_model/adapter-v1.bin'
            ''',
            '''
            pipe = AdapterPipeline.from_single_file("./civitai/base.safetensors").to("cuda")
            pipe.load_adapter_weights(os.path.dirname(adapter_path), weight_name=os.path.basename(adapter_path))
            ''',
            outputs=3 * 1024 * 1024),
    })
    ref = the(found, "adapters/pipeline.py", "_get_model_file")
    assert cands(ref) == [
        (None, "unknown", "app.py", None, 7),
        ("models", "local", "predict.py", None, 10),
        ("./release_model", "local", "style_demo.ipynb", 1, 2),
    ]
    assert ref.pin == "unknown" and ref.model is None  # the demo's folder is not known statically
    assert [c.resolution for c in ref.candidates] == ["unknown", "caller", "caller"]
    assert "hf_hub_download" in ref.candidates[0].provenance


def test_calls_on_another_class_with_a_method_of_the_same_name_are_not_its_calls(tmp_path: Path):
    found = project(tmp_path, {
        "adapters/__init__.py": "from .pipeline import AdapterPipeline\nfrom .controlnet import ControlNetAdapterPipeline\n",
        "adapters/pipeline.py": PIPELINE,
        "adapters/controlnet.py": PIPELINE.replace("AdapterPipeline", "ControlNetAdapterPipeline"),
        "infer.py": '''
            import sys
            from adapters import AdapterPipeline, ControlNetAdapterPipeline

            pipe = AdapterPipeline.from_pretrained("org/base")
            pipe.load_adapter_weights("./weights/adapter", weight_name="adapter.bin")

            cn_pipe = ControlNetAdapterPipeline.from_pretrained("org/base")
            cn_pipe.load_adapter_weights("./weights/controlnet-adapter", weight_name="adapter.bin")

            def reload(p):  # an object of a class not known here: not counted as a call of either
                p.load_adapter_weights(sys.argv[1], weight_name="adapter.bin")
        ''',
    })
    plain = the(found, "adapters/pipeline.py", "_get_model_file")
    control = the(found, "adapters/controlnet.py", "_get_model_file")
    assert (plain.model, plain.pin, plain.resolution, plain.candidates) == ("./weights/adapter", "local", "caller", None)
    assert (control.model, control.pin, control.resolution) == ("./weights/controlnet-adapter", "local", "caller")


def test_a_method_with_no_call_found_keeps_its_parameter_unknown(tmp_path: Path):
    found = project(tmp_path, {
        "adapters/__init__.py": "from .pipeline import AdapterPipeline\n",
        "adapters/pipeline.py": PIPELINE,
        "serve.py": '''
            from adapters import AdapterPipeline

            def handler(pipe, request):
                pipe.load_adapter_weights(request.json["folder"], weight_name="adapter.bin")
        ''',
    })
    ref = the(found, "adapters/pipeline.py", "_get_model_file")
    assert (ref.model, ref.pin, ref.candidates) == (None, "unknown", None)
    assert "callers decide" in ref.provenance


def test_self_method_in_init_of_a_subclass_follows_the_class_calls(tmp_path: Path):
    # MiDaS: BaseModel.load(path) called as self.load(path) in the network's __init__, which the
    # demo constructs with a checkpoint path from a registry.
    found = project(tmp_path, {
        "midas/__init__.py": "",
        "midas/base_model.py": '''
            import torch

            class BaseModel(torch.nn.Module):
                def load(self, path):
                    parameters = torch.load(path, map_location=torch.device("cpu"))
                    if "optimizer" in parameters:
                        parameters = parameters["model"]
                    self.load_state_dict(parameters)
        ''',
        "midas/midas_net.py": '''
            from .base_model import BaseModel

            class MidasNet(BaseModel):
                def __init__(self, path=None, features=256):
                    super().__init__()
                    if path:
                        self.load(path)

            class MidasNetOwnLoader(BaseModel):
                def __init__(self, path=None):
                    super().__init__()
                    self.load(path)

                def load(self, path):  # overrides BaseModel.load: its calls are not BaseModel.load's
                    pass
        ''',
        "run.py": '''
            from midas.midas_net import MidasNet, MidasNetOwnLoader
            net = MidasNet("weights/midas_v21-f6b98070.pt")
            empty = MidasNet()
            other = MidasNetOwnLoader("weights/not-loaded-by-base.pt")
        ''',
    })
    ref = the(found, "midas/base_model.py", "torch.load")
    assert (ref.model, ref.pin, ref.resolution) == ("weights/midas_v21-f6b98070.pt", "local", "caller")
    assert ref.candidates is None  # `MidasNet()` passes None, which `if path:` rules out


def test_a_staticmethod_called_through_its_class_binds_every_argument():
    (ref,) = scan_text(textwrap.dedent('''
        import torch

        class DepthModel(torch.nn.Module):
            @staticmethod
            def build(pretrained_resource=None, **kwargs):
                model = DepthModel()
                if pretrained_resource:
                    state = torch.hub.load_state_dict_from_url(pretrained_resource, map_location="cpu")
                    model.load_state_dict(state)
                return model

        model = DepthModel.build("https://github.com/org/depth/releases/download/v1.0/depth_m12.pt")
    '''))
    assert (ref.model, ref.revision, ref.pin, ref.resolution) == (
        "https://github.com/org/depth/releases/download/v1.0/depth_m12.pt", "v1.0", "weak", "caller")


def test_os_path_basename_is_the_file_name_and_dirname_a_local_folder():
    found = scan_text(textwrap.dedent('''
        import os
        from huggingface_hub import hf_hub_download
        from diffusers import StableDiffusionXLPipeline

        LORA_PATH = "./civitai_models/xl_more_art-full.safetensors"
        ckpt = hf_hub_download(repo_id="TencentARC/PhotoMaker-V2", filename=os.path.basename("release/photomaker-v2.bin"))
        pipe = StableDiffusionXLPipeline.from_pretrained("stabilityai/stable-diffusion-xl-base-1.0")
        pipe.load_lora_weights(os.path.dirname(LORA_PATH), weight_name=os.path.basename(LORA_PATH))
        pipe.load_lora_weights(os.path.dirname(ckpt), weight_name=os.path.basename(ckpt))
    '''))
    download, _base, lora, downloaded = found
    assert (download.model, download.args["filename"]) == ("TencentARC/PhotoMaker-V2", "photomaker-v2.bin")
    assert (lora.model, lora.hub, lora.pin) == ("./civitai_models", "local", "local")
    # The folder of a file downloaded at run time: not known statically, and never a Hub id.
    assert (downloaded.model, downloaded.pin) == (None, "unknown")
