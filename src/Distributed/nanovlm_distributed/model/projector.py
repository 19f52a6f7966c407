from __future__ import annotations

import math

import torch
from torch import nn

from ..config import VlmConfig


def pixel_shuffle(x: torch.Tensor, factor: int) -> torch.Tensor:
    """nanoVLM's own order (not Idefics3's): output token `ho * (side/s) + wo` holds the s x s block of patches at rows
    `ho*s + i`, cols `wo*s + j`, concatenated with feature index `(i*s + j)*C + c`.  [N, S, C] -> [N, S/s^2, s^2*C]"""
    n, sequence, channels = x.shape
    side = round(math.sqrt(sequence))
    if side * side != sequence:
        raise ValueError(f"pixel shuffle needs a square number of tokens, got {sequence}.")
    if side % factor:
        raise ValueError(f"pixel shuffle factor {factor} must divide the token grid side {side}.")
    outer = side // factor
    return (x.reshape(n, outer, factor, outer, factor, channels)  # [N, ho, i, wo, j, C]
             .permute(0, 1, 3, 2, 4, 5)                           # [N, ho, wo, i, j, C]
             .reshape(n, outer * outer, factor * factor * channels))


class ModalityProjector(nn.Module):
    """Pixel shuffle by `mp_pixel_shuffle_factor`, then one bias-free Linear to `lm_hidden_dim`."""

    def __init__(self, config: VlmConfig):
        super().__init__()
        self.factor = config.mp_pixel_shuffle_factor
        self.proj = nn.Linear(config.vit_hidden_dim * self.factor ** 2, config.lm_hidden_dim, bias=False)
        with torch.no_grad():
            nn.init.normal_(self.proj.weight, 0.0, 0.02)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(pixel_shuffle(x, self.factor))  # [N, S/s^2, lm_hidden_dim]
