"""The SigLIP-style vision transformer (nanoVLM `ViT`): patch embedding, pre-norm blocks, a final LayerNorm over every
token, no pooling head. Module attributes are named after nanoVLM's state-dict keys."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..config import VlmConfig
from .float32_layer_norm import Float32LayerNorm

# Standard deviation of the from-scratch init of the patch convolution and the position embedding.
PATCH_INIT_STD = 0.02


class ViTPatchEmbeddings(nn.Module):
    """A stride-P convolution, patches flattened row-major (index = row * side + col), plus a learned position
    embedding (no interpolation: tiles must be exactly `vit_img_size`)."""

    def __init__(self, config: VlmConfig):
        super().__init__()
        self.image_size = config.vit_img_size
        self.conv = nn.Conv2d(3, config.vit_hidden_dim, kernel_size=config.vit_patch_size, stride=config.vit_patch_size)
        # N(0, 0.02) like every other weight, as the C# engine does (the reference's torch.rand, all positive, makes
        # every page look alike to a from-scratch decoder). A loaded checkpoint replaces it either way.
        self.position_embedding = nn.Parameter(torch.randn(1, config.vit_num_patches, config.vit_hidden_dim) * PATCH_INIT_STD)

    def initialize_from_scratch(self) -> None:
        """N(0, 0.02) weights and the bias that centres pixels on mid-grey, `conv(x - 0.5)` (C# ViTPatchEmbeddings)."""
        with torch.no_grad():
            nn.init.normal_(self.conv.weight, 0.0, PATCH_INIT_STD)
            self.conv.bias.copy_(self.conv.weight.sum(dim=(1, 2, 3)) * -0.5)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        if pixels.dim() != 4 or pixels.shape[1] != 3 or pixels.shape[2] != self.image_size or pixels.shape[3] != self.image_size:
            raise ValueError(f"pixel_values must be [N, 3, {self.image_size}, {self.image_size}], got {list(pixels.shape)}.")
        patches = self.conv(pixels).flatten(2).transpose(1, 2)  # [N, D, side, side] -> [N, D, P] -> [N, P, D]
        return patches + self.position_embedding


class ViTAttention(nn.Module):
    """Bidirectional multi-head attention with one fused `qkv_proj` (rows [q | k | v]), softmax in float32."""

    def __init__(self, config: VlmConfig):
        super().__init__()
        self.n_heads = config.vit_n_heads
        self.head_dim = config.vit_hidden_dim // config.vit_n_heads
        self.dropout = config.vit_dropout
        self.qkv_proj = nn.Linear(config.vit_hidden_dim, 3 * config.vit_hidden_dim, bias=True)
        self.out_proj = nn.Linear(config.vit_hidden_dim, config.vit_hidden_dim, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, channels = x.shape
        q, k, v = self.qkv_proj(x).split(channels, dim=2)                       # 3 x [B, T, C]
        q = q.reshape(batch, length, self.n_heads, self.head_dim).transpose(1, 2)  # [B, nH, T, hd]
        k = k.reshape(batch, length, self.n_heads, self.head_dim).transpose(1, 2)
        v = v.reshape(batch, length, self.n_heads, self.head_dim).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-2, -1)).float() * (1.0 / math.sqrt(self.head_dim))  # [B, nH, T, T]
        weights = F.softmax(scores, dim=-1).to(v.dtype)
        if self.training and self.dropout > 0:
            weights = F.dropout(weights, self.dropout)
        y = torch.matmul(weights, v)                                            # [B, nH, T, hd]
        y = y.transpose(1, 2).reshape(batch, length, channels)                  # [B, T, C]
        y = self.out_proj(y)
        return F.dropout(y, self.dropout, self.training) if self.dropout > 0 else y


class ViTMlp(nn.Module):
    """`fc2(gelu_tanh(fc1(x)))`: SigLIP's `gelu_pytorch_tanh` MLP, with biases."""

    def __init__(self, config: VlmConfig):
        super().__init__()
        self.fc1 = nn.Linear(config.vit_hidden_dim, config.vit_inter_dim)
        self.fc2 = nn.Linear(config.vit_inter_dim, config.vit_hidden_dim)
        self.dropout = config.vit_dropout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.fc2(F.gelu(self.fc1(x), approximate="tanh"))  # [B, T, I] -> [B, T, C]
        return F.dropout(y, self.dropout, self.training) if self.dropout > 0 else y


class ViTBlock(nn.Module):
    """Pre-norm block: `x + attn(ln1(x))`, then `x + mlp(ln2(x))`."""

    def __init__(self, config: VlmConfig):
        super().__init__()
        self.ln1 = Float32LayerNorm(config.vit_hidden_dim, config.vit_ln_eps)
        self.attn = ViTAttention(config)
        self.ln2 = Float32LayerNorm(config.vit_hidden_dim, config.vit_ln_eps)
        self.mlp = ViTMlp(config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class VisionTransformer(nn.Module):
    """[N, 3, S, S] pixels -> [N, patches, D] (SigLIP's `post_layernorm` applied to every token)."""

    def __init__(self, config: VlmConfig):
        super().__init__()
        self.patch_embedding = ViTPatchEmbeddings(config)
        self.blocks = nn.ModuleList(ViTBlock(config) for _ in range(config.vit_n_blocks))
        self.layer_norm = Float32LayerNorm(config.vit_hidden_dim, config.vit_ln_eps)
        self.dropout = config.vit_dropout
        self._initialize_weights()

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        x = self.patch_embedding(pixels)  # [N, P, D]
        if self.dropout > 0:
            x = F.dropout(x, self.dropout, self.training)
        for block in self.blocks:
            x = block(x)
        return self.layer_norm(x)

    def _initialize_weights(self) -> None:
        """nanoVLM's init for the blocks (Linear N(0, 0.02), zero biases; LayerNorms 1/0 already)."""
        with torch.no_grad():
            for block in self.blocks:
                for module in block.modules():
                    if isinstance(module, nn.Linear):
                        nn.init.normal_(module.weight, 0.0, 0.02)
                        nn.init.zeros_(module.bias)
        self.patch_embedding.initialize_from_scratch()
