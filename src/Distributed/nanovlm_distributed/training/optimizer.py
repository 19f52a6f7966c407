"""AdamW over nanoVLM's three parameter groups, with its state as named float32 tensors so checkpoints store it in
the C# engine's layout (`optimizer.safetensors`: `<parameter>.exp_avg`, `<parameter>.exp_avg_sq`)."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

PROJECTOR, VISION, LANGUAGE = "mp", "vision", "language"
STATE_FORMAT = "nanovlm-web-adamw"


@dataclass
class ParameterGroup:
    name: str
    peak_lr: float
    parameters: list[tuple[str, nn.Parameter]]


def build_groups(model: nn.Module, lr_mp: float, lr_vision: float, lr_language: float) -> list[ParameterGroup]:
    """Projector `MP.`, `vision_encoder.`, `decoder.` (the tied embedding/head once). A group whose rate is 0 is left
    out and its parameters stop requiring gradients, as the reference does."""
    plan = [(PROJECTOR, "MP.", lr_mp), (VISION, "vision_encoder.", lr_vision), (LANGUAGE, "decoder.", lr_language)]
    named = list(model.named_parameters())
    groups = []
    for group, prefix, lr in plan:
        members = [(n, p) for n, p in named if n.startswith(prefix)]
        for _, parameter in members:
            parameter.requires_grad_(lr > 0)
        if lr > 0 and members:
            groups.append(ParameterGroup(group, lr, members))
    unassigned = [n for n, _ in named if not any(n.startswith(prefix) for _, prefix, _ in plan)]
    if unassigned:
        raise ValueError(f"Parameters outside every group: {', '.join(unassigned)}.")
    return groups


class AdamW:
    """torch.optim.AdamW (non-fused, single-tensor: the formula the C# engine writes out) with a rate per group."""

    def __init__(self, groups: list[ParameterGroup], beta1: float, beta2: float, eps: float, weight_decay: float):
        self.groups = groups
        self.optimizer = torch.optim.AdamW(
            [{"params": [p for _, p in g.parameters], "lr": g.peak_lr, "name": g.name} for g in groups],
            betas=(beta1, beta2), eps=eps, weight_decay=weight_decay, foreach=False)
        self.step_count = 0

    @property
    def parameters(self) -> list[nn.Parameter]:
        return [p for g in self.groups for _, p in g.parameters]

    def step(self, learning_rates: dict[str, float]) -> None:
        for param_group in self.optimizer.param_groups:
            param_group["lr"] = learning_rates[param_group["name"]]
        self.optimizer.step()
        self.step_count += 1

    def zero_grad(self) -> None:
        self.optimizer.zero_grad(set_to_none=True)

    def export_state(self) -> dict[str, torch.Tensor]:
        """The moments as named CPU float32 tensors (zeros before the first update, as the C# engine's)."""
        state = {}
        for group in self.groups:
            for name, parameter in group.parameters:
                moments = self.optimizer.state.get(parameter, {})
                for key in ("exp_avg", "exp_avg_sq"):
                    value = moments.get(key)
                    state[f"{name}.{key}"] = (torch.zeros_like(parameter, dtype=torch.float32) if value is None else value).detach().to("cpu", torch.float32).contiguous()
        return state

    def import_state(self, state: dict[str, torch.Tensor], step_count: int) -> None:
        """Restores moments written by `export_state` (either engine); every trainable parameter must be present."""
        missing = [n for g in self.groups for n, _ in g.parameters if f"{n}.exp_avg" not in state or f"{n}.exp_avg_sq" not in state]
        if missing:
            raise ValueError(f"The optimizer state lacks moments for: {', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}.")
        self.optimizer.state.clear()
        if step_count > 0:
            for group in self.groups:
                for name, parameter in group.parameters:
                    self.optimizer.state[parameter] = {
                        "step": torch.tensor(float(step_count)),
                        "exp_avg": state[f"{name}.exp_avg"].to(parameter.device, torch.float32).clone(),
                        "exp_avg_sq": state[f"{name}.exp_avg_sq"].to(parameter.device, torch.float32).clone(),
                    }
        self.step_count = step_count
