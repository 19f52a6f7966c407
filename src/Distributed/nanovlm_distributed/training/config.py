"""The training configuration, field for field the C# engine's `TrainingConfig` (what `run.json` holds), plus
`world_size`, and the training presets of `src/Engine/Training/TrainingPresets.cs`.

`batch_size` is per process here: the global micro-batch is `batch_size x world_size` rows, and an optimizer step
takes `grad_accum` of them.
"""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any

from .. import config as model_configs
from ..config import VlmConfig

PRECISION_MODES = ("auto", "fp32", "bf16", "fp16")
NAN_POLICIES = ("stop", "skip", "recover")


@dataclass
class LossScaleConfig:
    initial: float = 65536
    growth_factor: float = 2
    backoff_factor: float = 0.5
    growth_interval: int = 2000
    minimum: float = 1

    def validate(self) -> list[str]:
        problems = []
        if not 0 < self.minimum <= self.initial:
            problems.append("loss_scale: need 0 < minimum <= initial.")
        if self.growth_factor <= 1:
            problems.append("loss_scale: growth_factor must exceed 1.")
        if not 0 < self.backoff_factor < 1:
            problems.append("loss_scale: backoff_factor must lie in (0, 1).")
        if self.growth_interval < 1:
            problems.append("loss_scale: growth_interval must be at least 1.")
        return problems


@dataclass
class TrainingConfig:
    model_preset: str = "tiny"
    init: str | None = None  # the model folder the run's weights came from (None: from scratch or its preset)
    model: VlmConfig | None = None
    lm_init_std: float = 0.02
    data: str = "synthetic:easy"
    device: str = "auto"  # CUDA when PyTorch sees a GPU, else the CPU; "cpu", "cuda" or "cuda:N"
    precision: str = "auto"
    max_steps: int = 1000
    batch_size: int = 8
    grad_accum: int = 1
    max_length: int = 128
    lr_mp: float = 5.12e-3
    lr_vision: float = 5e-5
    lr_language: float = 5e-5
    weight_decay: float = 0.01
    adam_beta1: float = 0.9
    adam_beta2: float = 0.999
    adam_eps: float = 1e-8
    warmup_fraction: float = 0.03
    min_lr_fraction: float = 0.1
    max_grad_norm: float = 1.0
    seed: int = 0
    threads: int = 0
    eval_interval: int = 100
    val_batches: int = 8
    checkpoint_interval: int = 100
    keep_last_checkpoints: int = 3
    nan_policy: str = "recover"
    max_repeated_failures: int = 3
    headroom_interval: int = 50
    headroom_warn_factor: float = 8
    spike_factor: float = 3
    spike_window: int = 20
    loss_scale: LossScaleConfig = field(default_factory=LossScaleConfig)
    # The C# engine's pin policy and flight recorder. This engine does neither: it refuses pins (nan_policy "pin" is
    # not among NAN_POLICIES) and records 0 recorder steps, so a run.json it writes says what it did.
    pinned_modules: list[str] = field(default_factory=list)
    pin_max_modules: int = 3
    pin_max_parameter_fraction: float = 0.1
    flight_recorder_steps: int = 0
    # Not in the C# TrainingConfig (its reader ignores them): processes that share the run (1 for the in-process engine),
    # and the shard folder this engine reads (`data` names what the shards were packed from).
    world_size: int = 1
    shards: str | None = None

    def resolve_model(self) -> VlmConfig:
        return self.model if self.model is not None else model_configs.preset(self.model_preset)

    def to_dict(self) -> dict[str, Any]:
        values = dataclasses.asdict(self)
        values["model"] = self.resolve_model().to_dict()
        return values

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "TrainingConfig":
        """Reads a run.json as either engine writes it; unknown keys are ignored (as the C# reader does)."""
        if not isinstance(values, dict):
            raise ValueError(f"a training configuration must be a JSON object, not {type(values).__name__}.")
        names = {f.name for f in dataclasses.fields(cls)}
        known = {k: v for k, v in values.items() if k in names}
        if isinstance(known.get("model"), dict):
            known["model"], _ = VlmConfig.from_dict(known["model"])
        if isinstance(known.get("loss_scale"), dict):
            scale_names = {f.name for f in dataclasses.fields(LossScaleConfig)}
            known["loss_scale"] = LossScaleConfig(**{k: v for k, v in known["loss_scale"].items() if k in scale_names})
        return cls(**known)

    def validate(self) -> list[str]:
        problems: list[str] = []

        def require(ok: bool, message: str) -> None:
            if not ok:
                problems.append(message)

        require(self.precision in PRECISION_MODES, f"precision must be one of {', '.join(PRECISION_MODES)} (got {self.precision!r}).")
        require(not self.pinned_modules, "pinned_modules: the PyTorch engine computes no module apart in fp32; "
                "continue this run on the in-process engine, or clear pinned_modules and use nan_policy recover.")
        require(self.nan_policy in NAN_POLICIES, f"nan_policy must be one of {', '.join(NAN_POLICIES)} (got {self.nan_policy!r}).")
        require(self.max_steps > 0, f"max_steps must be positive (got {self.max_steps}).")
        require(self.batch_size > 0, f"batch_size must be positive (got {self.batch_size}).")
        require(self.grad_accum > 0, f"grad_accum must be positive (got {self.grad_accum}).")
        require(self.max_length > 0, f"max_length must be positive (got {self.max_length}).")
        require(min(self.lr_mp, self.lr_vision, self.lr_language) >= 0, "learning rates must be 0 (frozen) or positive.")
        require(self.lr_mp + self.lr_vision + self.lr_language > 0, "at least one learning rate must be positive, or nothing trains.")
        require(self.lm_init_std > 0, f"lm_init_std must be positive (got {self.lm_init_std}).")
        require(self.weight_decay >= 0, f"weight_decay must not be negative (got {self.weight_decay}).")
        require(0 <= self.adam_beta1 < 1 and 0 <= self.adam_beta2 < 1, "adam betas must lie in [0, 1).")
        require(self.adam_eps > 0, "adam_eps must be positive.")
        require(0 <= self.warmup_fraction <= 1, f"warmup_fraction must lie in [0, 1] (got {self.warmup_fraction}).")
        require(0 <= self.min_lr_fraction <= 1, f"min_lr_fraction must lie in [0, 1] (got {self.min_lr_fraction}).")
        require(self.max_grad_norm >= 0 and math.isfinite(self.max_grad_norm), f"max_grad_norm must be 0 (off) or positive (got {self.max_grad_norm}).")
        require(self.threads >= 0, f"threads must be 0 (all cores) or positive (got {self.threads}).")
        require(self.eval_interval >= 0 and self.val_batches >= 0, "eval_interval and val_batches must not be negative.")
        require(self.checkpoint_interval >= 0, "checkpoint_interval must not be negative.")
        require(self.keep_last_checkpoints >= 1, "keep_last_checkpoints must be at least 1 (recovery rolls back to it).")
        require(self.max_repeated_failures >= 1, "max_repeated_failures must be at least 1.")
        require(self.headroom_interval >= 0 and self.headroom_warn_factor >= 1,
                "headroom_interval must not be negative and headroom_warn_factor must be at least 1.")
        require(self.spike_factor > 1 and self.spike_window >= 3, "spike_factor must exceed 1 and spike_window must be at least 3.")
        require(self.world_size >= 1, f"world_size must be at least 1 (got {self.world_size}).")
        problems += self.loss_scale.validate()
        try:
            problems += [f"model: {p}" for p in self.resolve_model().validate()]
        except ValueError as e:
            problems.append(str(e))
        return problems

    def ensure_valid(self) -> "TrainingConfig":
        problems = self.validate()
        if problems:
            raise ValueError("Invalid training configuration:\n- " + "\n- ".join(problems))
        return self


# ---- training presets (src/Engine/Training/TrainingPresets.cs) ----

def _tiny(base_vocab_size: int) -> TrainingConfig:
    model = model_configs.tiny(base_vocab_size)
    model.max_img_size = 64
    return TrainingConfig(model_preset="tiny", model=model, precision="auto", max_steps=2500, batch_size=8, grad_accum=1,
                          max_length=128, lr_mp=3e-3, lr_vision=0, lr_language=1e-3, eval_interval=100, val_batches=8,
                          checkpoint_interval=250, headroom_interval=50)


def _small(base_vocab_size: int) -> TrainingConfig:
    return dataclasses.replace(_tiny(base_vocab_size), model_preset="small", model=model_configs.small(base_vocab_size),
                               max_length=128, lr_language=5e-4)


def _fp16_overflow(base_vocab_size: int) -> TrainingConfig:
    model = _tiny(base_vocab_size).model
    model.lm_inter_dim = 1024
    return dataclasses.replace(_tiny(base_vocab_size), model_preset="fp16-overflow", model=model, precision="fp16", max_steps=150,
                               batch_size=4, max_length=48, lr_mp=3e-2, lr_vision=1e-3, lr_language=3e-2, weight_decay=0,
                               warmup_fraction=0.02, min_lr_fraction=1, eval_interval=50, checkpoint_interval=25,
                               headroom_interval=10, nan_policy="recover")


TRAINING_PRESETS = {"tiny": _tiny, "small": _small, "fp16-overflow": _fp16_overflow}


def training_preset(name: str, base_vocab_size: int = model_configs.SMOLLM2_BASE_VOCAB_SIZE) -> TrainingConfig:
    try:
        return TRAINING_PRESETS[name.lower()](base_vocab_size)
    except KeyError:
        raise ValueError(f"Unknown training preset '{name}'. Known presets: {', '.join(TRAINING_PRESETS)}.") from None
