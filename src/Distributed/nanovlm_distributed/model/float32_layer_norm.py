from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Float32LayerNorm(nn.Module):
    """`nn.LayerNorm(dim, eps)` that normalises in float32 whatever the input dtype (the statistics of a bf16/fp16
    activation are not trustworthy) and casts back. Parameters `weight` (1) and `bias` (0), as nanoVLM names them."""

    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.layer_norm(x.float(), (x.shape[-1],), self.weight.float(), self.bias.float(), self.eps)
        return y.to(x.dtype)
