"""nanoVLM's `save_pretrained` folder: `config.json` plus `model.safetensors` under nanoVLM's state-dict keys, float32.

The same rules as the C# engine's `NanoVlmCheckpoint`: a tied head is stored once as `decoder.head.weight` (what
safetensors' `save_model` keeps of the shared pair) and loading accepts that name, `decoder.token_embedding.weight`,
or both (then they must agree); `decoder.rotary_embd.inv_freq` is written and loaded when present; saving is atomic
(both files go into a hidden folder beside the target, which then takes the target's place).
"""
from __future__ import annotations

import os
import shutil
import uuid

import torch

from . import safetensors_io
from .config import CONFIG_FILE_NAME, VlmConfig
from .model import VisionLanguageModel
from .model.language import inverse_frequencies

WEIGHTS_FILE_NAME = "model.safetensors"
HEAD_KEY = "decoder.head.weight"
EMBEDDING_KEY = "decoder.token_embedding.weight"
INVERSE_FREQUENCY_KEY = "decoder.rotary_embd.inv_freq"


class CheckpointMismatch(ValueError):
    """Tensors that do not fit the model, every one of them listed."""

    def __init__(self, source: str, missing: list[str], unexpected: list[str], mismatched: list[str]):
        parts = []
        if missing:
            parts.append("missing: " + ", ".join(missing))
        if unexpected:
            parts.append("unexpected: " + ", ".join(unexpected))
        if mismatched:
            parts.append("mismatched: " + "; ".join(mismatched))
        super().__init__(f"{source} does not fit the model of its config.json ({' | '.join(parts)}).")
        self.missing, self.unexpected, self.mismatched = missing, unexpected, mismatched


def export_state_dict(model: VisionLanguageModel) -> dict[str, torch.Tensor]:
    """The tensors a nanoVLM checkpoint holds: nanoVLM keys, float32, CPU."""
    result: dict[str, torch.Tensor] = {}
    for name, parameter in model.named_parameters():
        key = HEAD_KEY if model.decoder.tied_head and name == EMBEDDING_KEY else name
        result[key] = parameter.detach().to("cpu", torch.float32).contiguous()
    for name, buffer in model.named_buffers():
        result[name] = buffer.detach().to("cpu").contiguous()
    result[INVERSE_FREQUENCY_KEY] = model.decoder.rotary_embd.inv_freq.clone()
    return result


def import_state_dict(model: VisionLanguageModel, tensors: dict[str, torch.Tensor], source: str = "checkpoint") -> list[str]:
    """Copies nanoVLM-keyed tensors into the model (converting dtype and device); raises `CheckpointMismatch` listing
    every missing, unexpected and mis-shaped tensor; returns warnings for tolerated oddities."""
    warnings: list[str] = []
    missing: list[str] = []
    mismatched: list[str] = []
    consumed: set[str] = set()
    assignments: list[tuple[torch.Tensor, torch.Tensor]] = []
    targets = dict(model.named_parameters())
    targets.update(dict(model.named_buffers()))

    def assign(parameter_name: str, file_key: str) -> None:
        consumed.add(file_key)
        target, value = targets[parameter_name], tensors[file_key]
        if not value.is_floating_point():
            mismatched.append(f"{file_key}: dtype {value.dtype}, expected a floating-point tensor")
        elif tuple(value.shape) != tuple(target.shape):
            mismatched.append(f"{file_key}: shape {list(value.shape)} in the file, {list(target.shape)} in the model")
        else:
            assignments.append((target, value))

    tied = model.decoder.tied_head
    if tied:
        has_head, has_embedding = HEAD_KEY in tensors, EMBEDDING_KEY in tensors
        if has_head and has_embedding:
            consumed.add(EMBEDDING_KEY)
            head, embedding = tensors[HEAD_KEY], tensors[EMBEDDING_KEY]
            if head.shape != embedding.shape or not torch.equal(head.float(), embedding.float()):
                mismatched.append(f"{HEAD_KEY} and {EMBEDDING_KEY} differ, but lm_tie_weights is true (they must be one matrix)")
        if has_head:
            assign(EMBEDDING_KEY, HEAD_KEY)
        elif has_embedding:
            assign(EMBEDDING_KEY, EMBEDDING_KEY)
        else:
            missing.append(f"{HEAD_KEY} (the tied embedding/head; {EMBEDDING_KEY} is accepted too)")
    for name in targets:
        if tied and name == EMBEDDING_KEY:
            continue
        if name in tensors:
            assign(name, name)
        else:
            missing.append(name)

    inv_freq = None
    if INVERSE_FREQUENCY_KEY in tensors:
        consumed.add(INVERSE_FREQUENCY_KEY)
        value = tensors[INVERSE_FREQUENCY_KEY]
        expected = model.config.lm_head_dim // 2
        if value.dim() != 1 or value.shape[0] != expected:
            mismatched.append(f"{INVERSE_FREQUENCY_KEY}: shape {list(value.shape)} in the file, [{expected}] in the model")
        elif not value.is_floating_point():
            mismatched.append(f"{INVERSE_FREQUENCY_KEY}: dtype {value.dtype}, expected a floating-point tensor")
        else:
            inv_freq = value.float().clone()
    else:
        warnings.append(f"{source} has no {INVERSE_FREQUENCY_KEY}; recomputed it from lm_re_base.")

    unexpected = sorted(k for k in tensors if k not in consumed)
    if missing or unexpected or mismatched:
        raise CheckpointMismatch(source, missing, unexpected, mismatched)
    with torch.no_grad():
        for target, value in assignments:
            target.copy_(value.to(target.dtype))
    if inv_freq is not None:
        computed = inverse_frequencies(model.config.lm_re_base, model.config.lm_head_dim)
        largest = float(((computed - inv_freq).abs() / computed.abs().clamp_min(1e-30)).max())
        if largest > 1e-5:
            warnings.append(f"{INVERSE_FREQUENCY_KEY} in {source} differs from what lm_re_base = {model.config.lm_re_base} gives "
                            f"(relative difference up to {largest:.3g}); using the file's values, as the reference does.")
        model.decoder.rotary_embd.inv_freq = inv_freq
    return warnings


def load(directory: str, device: torch.device | str = "cpu") -> tuple[VisionLanguageModel, list[str]]:
    """A new model (eval mode) from a checkpoint folder, and the warnings about its files."""
    config, warnings = VlmConfig.load(directory)
    weights = os.path.join(directory, WEIGHTS_FILE_NAME)
    if not os.path.isfile(weights):
        raise FileNotFoundError(f"No {WEIGHTS_FILE_NAME} in {directory}.")
    model = VisionLanguageModel(config)
    warnings += import_state_dict(model, safetensors_io.load(weights), weights)
    return model.to(device).eval(), warnings


def load_weights(model: VisionLanguageModel, directory: str) -> list[str]:
    """Copies a checkpoint folder's weights into an existing model of the same configuration."""
    weights = os.path.join(directory, WEIGHTS_FILE_NAME)
    if not os.path.isfile(weights):
        raise FileNotFoundError(f"No {WEIGHTS_FILE_NAME} in {directory}.")
    return import_state_dict(model, safetensors_io.load(weights), weights)


def write_into(model: VisionLanguageModel, directory: str) -> None:
    """Writes config.json and model.safetensors into an existing (staging) folder, durably."""
    write_text_durably(os.path.join(directory, CONFIG_FILE_NAME), model.config.to_json())
    safetensors_io.save(os.path.join(directory, WEIGHTS_FILE_NAME), export_state_dict(model), {"format": "pt"})


def save(model: VisionLanguageModel, directory: str) -> None:
    """Writes the checkpoint folder, replacing it as a whole if it exists."""
    target = os.path.abspath(directory.rstrip("/"))
    parent, name = os.path.split(target)
    os.makedirs(parent, exist_ok=True)
    staging = os.path.join(parent, f".{name}.saving-{uuid.uuid4().hex}")
    os.makedirs(staging)
    try:
        write_into(model, staging)
        swap_into_place(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def swap_into_place(staging: str, target: str) -> None:
    """Puts a complete staged folder at `target`; an older folder there is removed only once the new one is in place."""
    if not os.path.exists(target):
        os.rename(staging, target)
        return
    parent, name = os.path.split(target)
    retired = os.path.join(parent, f".{name}.replaced-{uuid.uuid4().hex}")
    os.rename(target, retired)
    try:
        os.rename(staging, target)
    except OSError:
        os.rename(retired, target)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def write_text_durably(path: str, text: str) -> None:
    with open(path, "x", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
