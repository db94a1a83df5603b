"""Values reaching a load through a method's callers, a module imported from the script's own folder,
and file objects / in-memory copies of files handed to a file loader (`torch.load(f)`)."""

from __future__ import annotations

from pathlib import Path


from resolving import project, refs


def cands(ref) -> list[tuple]:
    return [(c.model, c.pin, c.path, c.line) for c in ref.candidates or ()]


def at(found: list, path: str, line: int):
    return next(r for r in found if r.path == path and r.line == line)


# -- a method's parameters, from the calls of the method ---------------------------------------------
MIDAS_BASE = '''
    import torch


    class BaseModel(torch.nn.Module):
        def load(self, path):
            """Load model from file."""
            parameters = torch.load(path, map_location=torch.device("cpu"))
            if "optimizer" in parameters:
                parameters = parameters["model"]
            self.load_state_dict(parameters)
'''


def test_a_method_called_on_self_in_subclasses_takes_what_their_callers_pass(tmp_path: Path):
    # MiDaS (vendored in ControlNet): BaseModel.load(path) is called as self.load(path) in the
    # subclasses' __init__, which the api module builds with checkpoint paths from a registry.
    found = project(tmp_path, {
        "midas/__init__.py": "",
        "midas/base_model.py": MIDAS_BASE,
        "midas/dpt_depth.py": '''
            from .base_model import BaseModel


            class DPTDepthModel(BaseModel):
                def __init__(self, path=None, non_negative=True, **kwargs):
                    super().__init__()
                    if path is not None:
                        self.load(path)
        ''',
        "midas/midas_net.py": '''
            from .base_model import BaseModel


            class MidasNet(BaseModel):
                def __init__(self, path=None, features=256):
                    super().__init__()
                    if path:
                        self.load(path)
        ''',
        "midas/api.py": '''
            from midas.dpt_depth import DPTDepthModel
            from midas.midas_net import MidasNet

            ISL_PATHS = {
                "dpt_large": "midas_models/dpt_large-midas-2f21e586.pt",
                "dpt_hybrid": "midas_models/dpt_hybrid-midas-501f0c75.pt",
                "midas_v21": "",
            }


            def load_model(model_type):
                model_path = ISL_PATHS[model_type]
                if model_type == "dpt_large":
                    model = DPTDepthModel(path=model_path, backbone="vitl16_384")
                elif model_type == "dpt_hybrid":
                    model = DPTDepthModel(path=model_path, backbone="vitb_rn50_384")
                elif model_type == "midas_v21":
                    model = MidasNet(model_path, features=256)
                return model.eval()
        ''',
    })
    ref = at(found, "midas/base_model.py", 7)
    assert ref.api == "torch.load" and ref.hub == "local" and ref.pin == "local"
    # Nothing calls load_model: model_type is whatever the test around each call says, so each
    # DPTDepthModel call gets its own path and MidasNet's "" never gets past `if path:`.
    assert cands(ref) == [("midas_models/dpt_large-midas-2f21e586.pt", "local", "midas/api.py", 14),
                          ("midas_models/dpt_hybrid-midas-501f0c75.pt", "local", "midas/api.py", 16)]
    assert {c.resolution for c in ref.candidates} == {"caller"}


def test_a_test_on_a_rebound_parameter_does_not_fix_its_value():
    found = refs('''
        import torch

        CHECKPOINTS = {"large": "weights/large.pt", "small": "weights/small.pt"}


        class Net(torch.nn.Module):
            def restore(self, path):
                self.load_state_dict(torch.load(path))


        def build(size):
            checkpoint = CHECKPOINTS[size]
            size = size.lower()
            net = Net()
            if size == "large":
                net.restore(checkpoint)
            return net
    ''')
    # `size` is rebound before the test: the test says nothing about the key looked up before it.
    assert [(c.model, c.pin) for c in found[0].candidates] == [("weights/large.pt", "local"), ("weights/small.pt", "local")]


def test_a_method_called_on_an_object_built_from_the_class(tmp_path: Path):
    found = project(tmp_path, {
        "nets.py": '''
            import torch
            from torch import nn


            class Net(nn.Module):
                def restore(self, checkpoint):
                    self.load_state_dict(torch.load(checkpoint, weights_only=True))
        ''',
        "serve.py": '''
            from nets import Net

            net = Net()
            net.restore("checkpoints/net-best.pt")
            net.eval()
        ''',
        "export.py": '''
            import nets

            model = nets.Net()
            model.restore("checkpoints/net-last.pt")
        ''',
    })
    ref = at(found, "nets.py", 7)
    assert ref.model is None and ref.pin == "local" and ref.resolution == "caller"
    assert sorted(cands(ref)) == [("checkpoints/net-best.pt", "local", "serve.py", 4),
                                  ("checkpoints/net-last.pt", "local", "export.py", 4)]


def test_a_call_on_an_object_of_unknown_type_is_not_a_call_of_the_method(tmp_path: Path):
    # `obj.restore(...)` where nothing says obj is a Net (a parameter, another package's object):
    # it may be any class's restore, so it gives the method no value.
    found = project(tmp_path, {
        "nets.py": '''
            import torch


            class Net(torch.nn.Module):
                def restore(self, checkpoint):
                    self.load_state_dict(torch.load(checkpoint))


            def warm_start(model, trainer):
                model.restore("checkpoints/other.pt")
                trainer.restore("runs/trainer-state.pt")
        ''',
    })
    ref = at(found, "nets.py", 6)
    assert (ref.model, ref.pin, ref.resolution, ref.candidates) == (None, "unknown", "unknown", None)
    assert "callers decide" in (ref.provenance or "")


def test_a_subclass_overriding_the_method_calls_its_own(tmp_path: Path):
    found = project(tmp_path, {
        "nets.py": '''
            import sys
            import torch


            class Base(torch.nn.Module):
                def restore(self, checkpoint):
                    self.load_state_dict(torch.load(checkpoint))


            class Remote(Base):
                def __init__(self):
                    super().__init__()
                    self.restore("https://example.com/remote.pt")

                def restore(self, url):
                    if url.startswith("https://"):
                        self.load_state_dict(torch.hub.load_state_dict_from_url(url))
                    else:
                        super().restore("weights/remote-cache.pt")


            class Local(Base):
                def __init__(self):
                    super().__init__()
                    self.restore("weights/local.pt")


            Base().restore(sys.argv[1])
        ''',
    })
    ref = at(found, "nets.py", 7)
    # The override's super().restore, Local's call (its inherited restore) and the module's call
    # with a command-line value; not Remote's, whose self.restore is its own override.
    assert ref.pin == "unknown" and ref.resolution == "caller"
    assert [c[:2] for c in cands(ref)] == [("weights/remote-cache.pt", "local"), ("weights/local.pt", "local"),
                                           (None, "unknown")]
    assert all("remote.pt" not in str(c) for c in cands(ref))


# -- a module imported from the script's own folder ---------------------------------------------------
def test_a_helper_imported_from_the_scripts_own_folder(tmp_path: Path):
    # GPT-SoVITS: GPT_SoVITS/inference_webui.py runs as a script and does `from process_ckpt import
    # load_sovits_new`, the file beside it (a script's folder is first on sys.path).
    found = project(tmp_path, {
        "config.py": '''
            pretrained_sovits_name = {
                "v3": "GPT_SoVITS/pretrained_models/s2Gv3.pth",
                "v4": "GPT_SoVITS/pretrained_models/gsv-v4-pretrained/s2Gv4.pth",
            }
        ''',
        "GPT_SoVITS/process_ckpt.py": '''
            import torch


            def load_sovits_new(sovits_path):
                return torch.load(sovits_path, map_location="cpu", weights_only=False)
        ''',
        "GPT_SoVITS/inference_webui.py": '''
            import os
            from config import pretrained_sovits_name
            from process_ckpt import load_sovits_new

            model_version = os.environ.get("version", "v3")
            path_sovits = pretrained_sovits_name["v3"] if model_version == "v3" else pretrained_sovits_name["v4"]
            dict_s2 = load_sovits_new(path_sovits)
        ''',
        # Not beside process_ckpt.py: which `process_ckpt` it imports depends on how it is run.
        "tools/other.py": '''
            from process_ckpt import load_sovits_new

            load_sovits_new("elsewhere/model.pth")
        ''',
    })
    ref = at(found, "GPT_SoVITS/process_ckpt.py", 5)
    assert ref.hub == "local" and ref.pin == "local"
    assert cands(ref) == [
        ("GPT_SoVITS/pretrained_models/s2Gv3.pth", "local", "GPT_SoVITS/inference_webui.py", 7),
        ("GPT_SoVITS/pretrained_models/gsv-v4-pretrained/s2Gv4.pth", "local", "GPT_SoVITS/inference_webui.py", 7)]


# -- files and in-memory copies of files handed to a file loader -------------------------------------
def test_torch_load_of_an_opened_file_or_a_buffer_filled_from_one(tmp_path: Path):
    found = project(tmp_path, {
        "process_ckpt.py": '''
            import io
            from io import BytesIO

            import torch

            SOVITS = "pretrained_models/s2G488k.pth"


            def load_sovits_new(sovits_path):
                f = open(sovits_path, "rb")
                meta = f.read(2)
                if meta != b"PK":
                    data = b"PK" + f.read()
                    bio = BytesIO()
                    bio.write(data)
                    bio.seek(0)
                    return torch.load(bio, map_location="cpu", weights_only=False)
                return torch.load(sovits_path, map_location="cpu", weights_only=False)


            def load_gpt():
                with open("pretrained_models/s1v3.ckpt", "rb") as fh:
                    return torch.load(fh, map_location="cpu")


            def load_copy():
                with open("pretrained_models/s1v3.ckpt", "rb") as fh:
                    return torch.load(io.BytesIO(fh.read()))


            weights = load_sovits_new(SOVITS)
        ''',
    })
    buffered = at(found, "process_ckpt.py", 17)
    assert (buffered.model, buffered.hub, buffered.pin, buffered.resolution) == (
        "pretrained_models/s2G488k.pth", "local", "local", "caller")
    assert at(found, "process_ckpt.py", 18).model == "pretrained_models/s2G488k.pth"
    opened = at(found, "process_ckpt.py", 23)
    assert (opened.model, opened.hub, opened.pin, opened.resolution) == ("pretrained_models/s1v3.ckpt", "local", "local", "literal")
    assert "opened at process_ckpt.py:22" in (opened.provenance or "")
    copied = at(found, "process_ckpt.py", 28)
    assert (copied.model, copied.pin) == ("pretrained_models/s1v3.ckpt", "local")


def test_a_buffer_of_downloaded_or_unknown_bytes_stays_unknown():
    found = refs('''
        import io
        import sys

        import requests
        import torch

        URL = "https://example.com/checkpoints/model.pt"

        response = requests.get(URL, timeout=30)
        state = torch.load(io.BytesIO(response.content))

        buf = io.BytesIO()
        buf.write(response.content)
        buf.seek(0)
        state = torch.load(buf)

        empty = io.BytesIO()
        state = torch.load(empty)

        with open(sys.argv[1], "rb") as f:
            state = torch.load(f)
    ''')
    assert [(r.line, r.model, r.hub, r.pin) for r in found] == [
        (11, None, "unknown", "unknown"), (16, None, "unknown", "unknown"),
        (19, None, "unknown", "unknown"), (22, None, "unknown", "unknown")]
    assert "holding no file's contents" in (found[2].provenance or "")
    assert "open() of an unresolvable path" in (found[3].provenance or "")
