"""Screenshot attachments: tell UI bugs from photos, embed images, find UI elements."""

from __future__ import annotations

import timm
import torch
from torch import hub as torch_hub
from torchvision import models, transforms
from torchvision.models import resnet50
from transformers import AutoImageProcessor
from transformers import AutoModel as AM

THUMBNAIL_BACKBONE = "hf-hub:timm/convnext_tiny.fb_in22k_ft_in1k"

PREPROCESS = transforms.Compose(
    [
        transforms.Resize(256),
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
    ]
)


def screenshot_classifier(num_classes: int = 2) -> torch.nn.Module:
    """ResNet-50 with a new head: screenshot vs. photo."""
    backbone = models.resnet50(weights="DEFAULT")
    backbone.fc = torch.nn.Linear(backbone.fc.in_features, num_classes)
    return backbone


def untrained_classifier(num_classes: int = 2) -> torch.nn.Module:
    # Architecture only: random initialisation, nothing is downloaded.
    model = resnet50()
    model.fc = torch.nn.Linear(model.fc.in_features, num_classes)
    small = models.resnet18(weights=None)
    return model if num_classes > 2 else small


def imagenet_reference() -> torch.nn.Module:
    """Plain ImageNet ResNet-50 weights from the PyTorch model zoo."""
    model = resnet50()
    state = torch_hub.load_state_dict_from_url(
        "https://download.pytorch.org/models/resnet50-11ad3fa6.pth",
        check_hash=False,
    )
    model.load_state_dict(state)
    return model


def thumbnail_encoder() -> torch.nn.Module:
    return timm.create_model(THUMBNAIL_BACKBONE, pretrained=True, num_classes=0)


def patch_encoder() -> torch.nn.Module:
    return timm.create_model(
        "hf-hub:timm/vit_small_patch16_224.augreg_in21k_ft_in1k@f27782810a08e3eb002cc80fb85a1d8ef1783536",
        pretrained=True,
        num_classes=0,
    )


def dino_features():
    processor = AutoImageProcessor.from_pretrained("facebook/dinov2-small")
    model = AM.from_pretrained("facebook/dinov2-small", revision="main")
    return processor, model


def dino_hub_backbone():
    """DINOv2 straight from the research repo, pinned to a commit."""
    return torch_hub.load(
        "facebookresearch/dinov2:258dd0e5b0d0bd195e96352dfcb317ff9a49361d", "dinov2_vits14"
    )


def mobile_classifier():
    return torch_hub.load("pytorch/vision:v0.16.0", "mobilenet_v3_small", weights="DEFAULT")


def ui_element_detector(conf: float = 0.4):
    detector = torch_hub.load("ultralytics/yolov5", "yolov5s", trust_repo=True)
    detector.conf = conf
    return detector
