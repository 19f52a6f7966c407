"""The live state of one run on one process: model (and its DDP wrapper), optimizer, scaler, schedule, data stream
and counters. `snapshot` and `restore` turn it into a checkpoint's `trainer_state.json` and back, in the C# engine's
layout (Training/Checkpoints/TrainerState.cs), which is what exact resume, rollback and cross-engine resume rely on.

Batch sizes: `micro_batch` here is per process. In `trainer_state.json` it is the global micro-batch (rows per
micro-step over every process, `micro_batch x world_size`), the quantity both engines share, so a checkpoint resumes
with the same global batch in either engine and with any process count that divides it.
"""
from __future__ import annotations

import base64
import time
import warnings as python_warnings

import torch

from .. import checkpoint as nanovlm_checkpoint
from ..shards import ShardSet, TrainingStream
from . import checkpoint_store, precision as precisions
from .config import TrainingConfig
from .guard import LossSpikeDetector
from .loss_scaling import CudaLossScaler, EmulatedLossScaler
from .optimizer import AdamW, build_groups
from .schedule import LearningRateSchedule
from .world import World


class Session:
    def __init__(self, config: TrainingConfig, model, ddp_model, world: World, shards: ShardSet, compute_precision: str):
        self.config = config
        self.model = model
        self.ddp_model = ddp_model
        self.world = world
        self.shards = shards
        self.stream = TrainingStream(shards.train)
        self.groups = build_groups(model, config.lr_mp, config.lr_vision, config.lr_language)
        self.optimizer = AdamW(self.groups, config.adam_beta1, config.adam_beta2, config.adam_eps, config.weight_decay)
        self.schedule = LearningRateSchedule(config.max_steps, config.warmup_fraction, config.min_lr_fraction)
        self.scaler = CudaLossScaler(config.loss_scale) if world.device.type == "cuda" else EmulatedLossScaler(config.loss_scale)
        self.spikes = LossSpikeDetector(config.spike_factor, config.spike_window)
        self.micro_batch = config.batch_size
        self.grad_accum = config.grad_accum
        self.step = 0
        self.tokens_seen = 0
        self.images_seen = 0
        self.skipped = 0
        self.last_val_loss: float | None = None
        self.last_anls: float | None = None
        self.best: dict | None = None
        self.precision_history: list[dict] = []
        self.clock_started = time.monotonic()
        self.elapsed_before = 0.0  # training seconds of earlier attempts, when resumed
        self.precision = compute_precision
        self.set_precision(compute_precision, "configured")

    @property
    def device(self) -> torch.device:
        return self.world.device

    @property
    def global_micro_batch(self) -> int:
        return self.micro_batch * self.world.size

    @property
    def elapsed_seconds(self) -> float:
        """Seconds spent training this run, over every earlier resume (as the C# engine counts them)."""
        return self.elapsed_before + time.monotonic() - self.clock_started

    def learning_rates(self) -> dict[str, float]:
        return {g.name: self.schedule.at(self.step, g.peak_lr) for g in self.groups}

    def set_precision(self, precision: str, reason: str, micro_batch: int | None = None, grad_accum: int | None = None) -> None:
        """Switches precision (resetting the loss scaler for it) and records why."""
        self.precision = precision
        self.micro_batch = micro_batch or self.micro_batch
        self.grad_accum = grad_accum or self.grad_accum
        self.scaler.configure(precisions.is_fp16(precision))
        self.precision_history.append({"step": self.step, "precision": precision, "micro_batch": self.global_micro_batch,
                                       "grad_accum": self.grad_accum, "reason": reason})

    def snapshot(self) -> dict:
        return {
            "step": self.step,
            "tokens_seen": self.tokens_seen,
            "images_seen": self.images_seen,
            "skipped": self.skipped,
            "data_position": self.stream.position,
            "precision": self.precision,
            "micro_batch": self.global_micro_batch,
            "grad_accum": self.grad_accum,
            "precision_history": list(self.precision_history),
            "pinned_modules": [],  # this engine pins nothing (see TrainingConfig.pinned_modules)
            "loss_scaler": self.scaler.export(),
            "optimizer_steps": self.optimizer.step_count,
            "schedule": {"max_steps": self.config.max_steps, "warmup_steps": self.schedule.warmup_steps,
                         "min_lr_fraction": self.config.min_lr_fraction},
            "torch_rng_state": base64.b64encode(torch.get_rng_state().numpy().tobytes()).decode("ascii"),
            "loss_window": self.spikes.window,
            "elapsed_seconds": self.elapsed_seconds,
            "val_loss": self.last_val_loss,
            "anls": self.last_anls,
            "best": self.best,
            "config": self.config.to_dict(),
            "world_size": self.world.size,
        }

    def restore(self, checkpoint_path: str | None, keep_history: bool) -> None:
        """Puts every process back to a checkpoint: rank 0 reads it and broadcasts weights, moments and state (so the
        other processes need no access to the run folder). `keep_history`: a rollback keeps this run's precision
        history, a resume takes the checkpoint's."""
        state, moments = checkpoint_store.read(checkpoint_path) if self.world.is_main else (None, None)
        state = self.world.broadcast_object(state)
        schedule = state["schedule"]
        if schedule["max_steps"] != self.config.max_steps or schedule["warmup_steps"] != self.schedule.warmup_steps:
            raise ValueError(f"{checkpoint_path} was trained with a {schedule['max_steps']}-step schedule ({schedule['warmup_steps']} warmup); "
                             f"this run has {self.config.max_steps} ({self.schedule.warmup_steps}). Resume with the same max_steps and warmup_fraction.")
        global_batch = int(state["micro_batch"])
        if global_batch % self.world.size:
            raise ValueError(f"the checkpoint's micro-batch of {global_batch} rows cannot be split over {self.world.size} processes; "
                             f"resume with a process count that divides {global_batch}.")

        if self.world.is_main:
            nanovlm_checkpoint.load_weights(self.model, checkpoint_path)
        steps = int(state["optimizer_steps"])
        self.optimizer.import_state(moments if self.world.is_main else self.optimizer.export_state(), steps)
        self.world.broadcast_tensors_(list(self.model.parameters()))
        inv_freq = self.model.decoder.rotary_embd.inv_freq
        self.world.broadcast_tensors_([inv_freq])
        self.world.broadcast_tensors_([t for s in self.optimizer.optimizer.state.values() for k, t in sorted(s.items()) if k != "step"])

        self.step = int(state["step"])
        self.tokens_seen = int(state["tokens_seen"])
        self.images_seen = int(state["images_seen"])
        self.skipped = int(state["skipped"])
        self.stream.seek(state["data_position"])
        self.precision = state["precision"]
        if precisions.is_fp16(self.precision):  # fp16 is emulated on a CPU, native on CUDA, whichever engine wrote it
            self.precision = "fp16" if self.device.type == "cuda" else "fp16-emulated"
        self.micro_batch = global_batch // self.world.size
        self.grad_accum = int(state["grad_accum"])
        self.scaler.configure(precisions.is_fp16(self.precision))
        self.scaler.import_(state["loss_scaler"])
        self.spikes.restore(state.get("loss_window") or [])
        self.elapsed_before = float(state.get("elapsed_seconds") or 0) - (time.monotonic() - self.clock_started)
        self.last_val_loss = state.get("val_loss")
        self.last_anls = state.get("anls")
        self.best = state.get("best") or self.best
        if not keep_history:
            self.precision_history = list(state.get("precision_history") or [])
        rng = base64.b64decode(state["torch_rng_state"])
        if len(rng) == torch.get_rng_state().numel():
            torch.set_rng_state(torch.frombuffer(bytearray(rng), dtype=torch.uint8))
        else:
            python_warnings.warn(f"{checkpoint_path}: its torch_rng_state ({len(rng)} bytes) is not this PyTorch's CPU generator state; kept the current one.")
