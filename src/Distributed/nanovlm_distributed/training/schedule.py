import math


class LearningRateSchedule:
    """nanoVLM's `get_lr`: linear warmup over `warmup_fraction * max_steps` steps, then cosine decay to
    `min_lr_fraction * peak`, evaluated at the optimizer step about to be taken (C# LearningRateSchedule)."""

    def __init__(self, max_steps: int, warmup_fraction: float, min_lr_fraction: float):
        self.max_steps = max_steps
        self.warmup_steps = int(warmup_fraction * max_steps)
        self.min_lr_fraction = min_lr_fraction

    def at(self, step: int, peak: float) -> float:
        minimum = self.min_lr_fraction * peak
        if step < self.warmup_steps:
            return peak * (step + 1) / self.warmup_steps
        if step > self.max_steps:
            return minimum
        if self.max_steps == self.warmup_steps:
            return peak
        progress = (step - self.warmup_steps) / (self.max_steps - self.warmup_steps)
        return minimum + 0.5 * (1 + math.cos(math.pi * progress)) * (peak - minimum)
