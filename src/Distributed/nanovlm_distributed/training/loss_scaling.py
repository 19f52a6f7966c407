"""Dynamic loss scaling for fp16: multiply the loss by the scale before backward, divide the gradients afterwards;
on inf/NaN gradients halve the scale and skip the update; after `growth_interval` clean steps double it. Disabled
(scale 1, never skips) outside fp16. `EmulatedLossScaler` is the C# engine's `DynamicLossScaler` (used for emulated
fp16 on a CPU); `CudaLossScaler` puts torch.cuda.amp.GradScaler behind the same calls."""
from __future__ import annotations

import torch

APPLY, SKIP_AND_BACK_OFF, BELOW_MINIMUM = "apply", "skip", "below-minimum"


class EmulatedLossScaler:
    def __init__(self, config):
        self.config = config
        self.enabled = False
        self.scale = 1.0
        self.clean_steps = 0

    def configure(self, enabled: bool) -> None:
        self.enabled = enabled
        self.scale = float(self.config.initial) if enabled else 1.0
        self.clean_steps = 0

    def scale_loss(self, loss: torch.Tensor) -> torch.Tensor:
        return loss * self.scale

    def unscale(self, optimizer) -> None:
        if self.scale != 1:
            with torch.no_grad():
                for p in optimizer.parameters:
                    if p.grad is not None:
                        p.grad.mul_(1 / self.scale)

    def update(self, gradients_finite: bool) -> str:
        if not self.enabled:
            return APPLY if gradients_finite else BELOW_MINIMUM
        if gradients_finite:
            self.clean_steps += 1
            if self.clean_steps >= self.config.growth_interval:
                self.scale *= self.config.growth_factor
                self.clean_steps = 0
            return APPLY
        self.clean_steps = 0
        backed_off = self.scale * self.config.backoff_factor
        if backed_off < self.config.minimum:
            return BELOW_MINIMUM
        self.scale = backed_off
        return SKIP_AND_BACK_OFF

    def export(self) -> dict:
        # The C# LossScalerState record has no JSON names: its properties are written as-is.
        return {"Enabled": self.enabled, "Scale": self.scale, "CleanSteps": self.clean_steps}

    def import_(self, state: dict) -> None:
        self.enabled, self.scale, self.clean_steps = bool(state["Enabled"]), float(state["Scale"]), int(state["CleanSteps"])


class CudaLossScaler(EmulatedLossScaler):
    """torch.cuda.amp.GradScaler for real fp16 on CUDA. GradScaler finds the overflow (unscale_), the NaN guard's
    all-reduced gradient norm decides for every process, and GradScaler's own update() backs off or grows."""

    def __init__(self, config):
        super().__init__(config)
        self.grad_scaler: torch.cuda.amp.GradScaler | None = None

    def configure(self, enabled: bool) -> None:
        super().configure(enabled)
        self.grad_scaler = torch.cuda.amp.GradScaler(init_scale=float(self.config.initial), growth_factor=float(self.config.growth_factor),
                                                     backoff_factor=float(self.config.backoff_factor),
                                                     growth_interval=int(self.config.growth_interval), enabled=enabled)

    def scale_loss(self, loss: torch.Tensor) -> torch.Tensor:
        return self.grad_scaler.scale(loss) if self.enabled else loss

    def unscale(self, optimizer) -> None:
        if self.enabled:
            self.grad_scaler.unscale_(optimizer.optimizer)

    def update(self, gradients_finite: bool) -> str:
        if not self.enabled:
            return APPLY if gradients_finite else BELOW_MINIMUM
        if not gradients_finite and self.scale * self.config.backoff_factor < self.config.minimum:
            self.grad_scaler.update()  # clears the recorded overflow; the run is stopped or rolled back anyway
            return BELOW_MINIMUM
        self.grad_scaler.update()
        self.scale = float(self.grad_scaler.get_scale())
        self.clean_steps = int(self.grad_scaler.state_dict().get("_growth_tracker", 0))
        return APPLY if gradients_finite else SKIP_AND_BACK_OFF

    def import_(self, state: dict) -> None:
        super().import_(state)
        if self.enabled:
            self.grad_scaler.load_state_dict({"scale": self.scale, "growth_factor": float(self.config.growth_factor),
                                              "backoff_factor": float(self.config.backoff_factor),
                                              "growth_interval": int(self.config.growth_interval), "_growth_tracker": self.clean_steps})
