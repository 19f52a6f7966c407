"""The `checkpoints/` folder of a run, in the C# engine's format (Training/Checkpoints/CheckpointStore.cs): one folder
per checkpoint, `step_000100/`, holding the model in nanoVLM's format (`config.json`, `model.safetensors`), so the
playground and any nanoVLM tool load it, plus `optimizer.safetensors` (AdamW moments) and `trainer_state.json`.

Atomic: everything is written into a hidden staging folder beside the target and fsynced, then renamed into place.
A process killed mid-write leaves a hidden `.step_*.partial-*` folder that is never listed and is removed by the
next save; every listed checkpoint is whole. Retention keeps the last K and the best.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass

import torch

from .. import checkpoint as nanovlm_checkpoint
from .. import safetensors_io
from .optimizer import STATE_FORMAT

OPTIMIZER_FILE_NAME = "optimizer.safetensors"
STATE_FILE_NAME = "trainer_state.json"
_NAME = re.compile(r"^step_(\d+)$")


@dataclass
class CheckpointInfo:
    name: str
    path: str
    step: int


def name_for(step: int) -> str:
    return f"step_{step:06d}"


class CheckpointStore:
    def __init__(self, directory: str):
        self.directory = os.path.abspath(directory)
        os.makedirs(self.directory, exist_ok=True)

    def list(self) -> list[CheckpointInfo]:
        """Complete checkpoints, oldest first."""
        found = []
        for name in os.listdir(self.directory):
            match = _NAME.match(name)
            path = os.path.join(self.directory, name)
            if match and os.path.isfile(os.path.join(path, STATE_FILE_NAME)):
                found.append(CheckpointInfo(name, path, int(match.group(1))))
        return sorted(found, key=lambda c: c.step)

    @property
    def latest(self) -> CheckpointInfo | None:
        found = self.list()
        return found[-1] if found else None

    def save(self, model, optimizer_state: dict[str, torch.Tensor], trainer_state: dict) -> CheckpointInfo:
        step = int(trainer_state["step"])
        name = name_for(step)
        target = os.path.join(self.directory, name)
        staging = os.path.join(self.directory, f".{name}.partial-{uuid.uuid4().hex}")
        try:
            self.remove_abandoned_writes()
            os.makedirs(staging)
            try:
                nanovlm_checkpoint.write_into(model, staging)
                safetensors_io.save(os.path.join(staging, OPTIMIZER_FILE_NAME), optimizer_state, {"format": STATE_FORMAT})
                nanovlm_checkpoint.write_text_durably(os.path.join(staging, STATE_FILE_NAME), json.dumps(trainer_state, indent=2))
            except OSError as e:
                latest = self.latest
                raise OSError(f"Could not write checkpoint {name} to '{self.directory}': {e}. "
                              + (f"Checkpoints already written are intact (latest: {latest.name}). " if latest else "No earlier checkpoint exists. ")
                              + "Free space on the disk that holds this folder, or make it writable again, then resume the run from its last checkpoint.") from e
            nanovlm_checkpoint.swap_into_place(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return CheckpointInfo(name, target, step)

    def apply_retention(self, keep_last: int, keep_also: str | None) -> list[str]:
        found = self.list()
        removed = []
        for info in found[:max(0, len(found) - keep_last)]:
            if info.name == keep_also:
                continue
            shutil.rmtree(info.path)
            removed.append(info.name)
        return removed

    def remove_abandoned_writes(self) -> list[str]:
        """Hidden staging and replaced folders left by a process killed mid-write (only call when nothing is writing)."""
        removed = []
        for name in os.listdir(self.directory):
            if name.startswith(".step_"):
                shutil.rmtree(os.path.join(self.directory, name), ignore_errors=True)
                removed.append(name)
        return removed


def read(checkpoint_path: str) -> tuple[dict, dict[str, torch.Tensor]]:
    """A checkpoint's trainer state and optimizer moments (the weights go through nanovlm_checkpoint.load_weights)."""
    state_path = os.path.join(checkpoint_path, STATE_FILE_NAME)
    if not os.path.isfile(state_path):
        raise FileNotFoundError(f"{checkpoint_path} is not a training checkpoint (no {STATE_FILE_NAME}).")
    with open(state_path, encoding="utf-8") as f:
        state = json.load(f)
    return state, safetensors_io.load(os.path.join(checkpoint_path, OPTIMIZER_FILE_NAME))


def resolve(path: str) -> tuple[str, str | None]:
    """A checkpoint folder, or a run folder (its newest checkpoint): (checkpoint, run folder or None)."""
    path = os.path.abspath(path)
    if os.path.isfile(os.path.join(path, STATE_FILE_NAME)):
        parent = os.path.dirname(path)
        run = os.path.dirname(parent) if os.path.basename(parent) == "checkpoints" else None
        return path, run
    checkpoints = os.path.join(path, "checkpoints")
    if os.path.isdir(checkpoints):
        latest = CheckpointStore(checkpoints).latest
        if latest is None:
            raise FileNotFoundError(f"{path} is a run folder without a complete checkpoint; nothing to resume from.")
        return latest.path, path
    raise FileNotFoundError(f"{path} is neither a checkpoint folder (with {STATE_FILE_NAME}) nor a run folder (with checkpoints/).")
