"""The Llama-style decoder (nanoVLM `LanguageModel`) in embedding mode: it takes embeddings (the VLM writes the image
rows into them first) and returns final-norm hidden states. Positions are `start .. start+T-1` for every row,
ignoring padding, as in the reference.

Deliberate differences from the reference, each behaviour-preserving in float32 (the same ones as the C# engine,
src/Engine/Model/README.md): a boolean causal + padding mask instead of an additive `finfo.min` one (nothing overflows
to -inf under bf16/fp16 and no query row is ever empty; a query that sees only pads gets a zero query vector, which
reproduces the reference's uniform average over those pads); float32 RMSNorm, RoPE angles and attention softmax; no
`head` module when tied (the logits use `token_embedding.weight`); `inv_freq` is a float32 tensor kept outside the
module's buffers, so `model.to(bfloat16)` cannot round it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..config import VlmConfig


class RmsNorm(nn.Module):
    """`x * rsqrt(mean(x^2) + eps) * weight`, computed in float32 and cast back (x^2 overflows fp16 for |x| > 256)."""

    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x32 = x.float()                                                            # [..., dim]
        inverse_rms = torch.rsqrt(x32.pow(2).mean(dim=-1, keepdim=True) + self.eps)  # [..., 1]
        return (x32 * inverse_rms * self.weight.float()).to(x.dtype)


def inverse_frequencies(rope_base: float, head_dim: int) -> torch.Tensor:
    """`inv_freq[k] = 1 / base^(2k / head_dim)`, float32, with the reference's own tensor operations."""
    return 1.0 / (rope_base ** (torch.arange(0, head_dim, 2).float() / head_dim))


class RotaryEmbedding:
    """nanoVLM's rotary embedding (rotate-half layout) with its crude dynamic scaling: when the largest position of
    a call reaches `lm_max_position_embeddings`, every frequency of that call is divided by `(max + 1) / limit`."""

    def __init__(self, config: VlmConfig):
        self.head_dim = config.lm_head_dim
        self.max_positions = config.lm_max_position_embeddings
        self.attention_scaling = config.lm_attn_scaling
        self.inv_freq = inverse_frequencies(config.lm_re_base, self.head_dim)  # [hd/2] float32, CPU

    def compute(self, start: int, length: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """cos and sin for positions start .. start+length-1, each [1, length, head_dim] float32."""
        inv_freq = self.inv_freq.to(device)
        max_seq = start + length  # max(position_ids) + 1
        if max_seq > self.max_positions:
            inv_freq = inv_freq / (max_seq / self.max_positions)
        positions = torch.arange(start, start + length, device=device).float()  # [T]
        freqs = positions.unsqueeze(-1) * inv_freq.unsqueeze(0)                  # [T, hd/2]
        angles = torch.cat([freqs, freqs], dim=-1)                               # [T, hd]
        cos = (angles.cos() * self.attention_scaling).unsqueeze(0)               # [1, T, hd]
        sin = (angles.sin() * self.attention_scaling).unsqueeze(0)
        return cos, sin


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([-x2, x1], dim=-1)


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """x [B, heads, T, hd], cos/sin [1, T, hd] float32; the result is float32 (the reference's type promotion)."""
    return x * cos.unsqueeze(1) + rotate_half(x) * sin.unsqueeze(1)


@dataclass
class AttentionMask:
    """The decoder's one mask: `allowed` [B, 1, T_q, T_kv] bool (query may attend to key) and `fully_padded`
    [B, 1, T_q, 1] bool for queries that can see no real key (left-padded positions), or None when there are none."""

    allowed: torch.Tensor
    fully_padded: torch.Tensor | None

    @staticmethod
    def build(key_padding: torch.Tensor | None, batch: int, query_length: int, key_length: int, device: torch.device) -> "AttentionMask":
        if query_length > key_length:
            raise ValueError(f"{query_length} queries cannot be the last positions of {key_length} keys.")
        offset = key_length - query_length
        query_positions = torch.arange(offset, key_length, device=device).view(1, 1, query_length, 1)
        key_positions = torch.arange(0, key_length, device=device).view(1, 1, 1, key_length)
        causal = key_positions <= query_positions                                   # [1, 1, T_q, T_kv]
        if key_padding is None:
            return AttentionMask(causal.expand(batch, 1, query_length, key_length), None)
        if key_padding.dim() != 2 or tuple(key_padding.shape) != (batch, key_length):
            raise ValueError(f"attention_mask must be [{batch}, {key_length}] (batch, keys so far), got {list(key_padding.shape)}.")
        real_keys = (key_padding != 0).to(device).view(batch, 1, 1, key_length)     # [B, 1, 1, T_kv]
        visible_real = causal & real_keys                                           # [B, 1, T_q, T_kv]
        fully_padded = ~visible_real.any(dim=-1, keepdim=True)                      # [B, 1, T_q, 1]
        allowed = visible_real | (causal & fully_padded)
        return AttentionMask(allowed, fully_padded if bool(fully_padded.any()) else None)


class LanguageModelAttention(nn.Module):
    """Grouped-query attention: bias-free q/k/v/out projections, RoPE on q and k, optional KV cache, KV heads repeated
    to the query heads (query head h uses KV head h // groups), scale 1/sqrt(head_dim), float32 softmax."""

    def __init__(self, config: VlmConfig):
        super().__init__()
        self.n_heads = config.lm_n_heads
        self.n_kv_heads = config.lm_n_kv_heads
        self.head_dim = config.lm_head_dim
        self.dropout = config.lm_dropout
        hidden = config.lm_hidden_dim
        self.q_proj = nn.Linear(hidden, hidden, bias=False)
        self.k_proj = nn.Linear(hidden, self.head_dim * self.n_kv_heads, bias=False)
        self.v_proj = nn.Linear(hidden, self.head_dim * self.n_kv_heads, bias=False)
        self.out_proj = nn.Linear(hidden, hidden, bias=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, mask: AttentionMask,
                cache: list | None = None, block: int = 0) -> torch.Tensor:
        batch, length, hidden = x.shape
        q = self.q_proj(x).view(batch, length, self.n_heads, self.head_dim).transpose(1, 2)     # [B, nH, T, hd]
        k = self.k_proj(x).view(batch, length, self.n_kv_heads, self.head_dim).transpose(1, 2)  # [B, nKV, T, hd]
        v = self.v_proj(x).view(batch, length, self.n_kv_heads, self.head_dim).transpose(1, 2)  # [B, nKV, T, hd]
        value_dtype = v.dtype

        q = apply_rotary(q, cos, sin)
        if mask.fully_padded is not None:
            q = q.masked_fill(mask.fully_padded, 0.0)  # uniform attention over the pads it sees, as in the reference
        k = apply_rotary(k, cos, sin)
        if cache is not None:
            if cache[block] is not None:
                k = torch.cat([cache[block][0], k], dim=2)  # [B, nKV, T_kv, hd]
                v = torch.cat([cache[block][1], v], dim=2)
            cache[block] = (k, v)

        keys = self._repeat_kv(k).float()    # [B, nH, T_kv, hd]
        values = self._repeat_kv(v).float()
        scores = torch.matmul(q.float(), keys.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))  # [B, nH, T, T_kv]
        scores = scores.masked_fill(~mask.allowed, float("-inf"))
        weights = F.softmax(scores, dim=-1)
        if self.training and self.dropout > 0:
            weights = F.dropout(weights, self.dropout)
        y = torch.matmul(weights, values)                                            # [B, nH, T, hd] float32
        y = y.to(value_dtype).transpose(1, 2).reshape(batch, length, hidden)         # [B, T, H]
        y = self.out_proj(y)
        return F.dropout(y, self.dropout, self.training) if self.dropout > 0 else y

    def _repeat_kv(self, kv: torch.Tensor) -> torch.Tensor:
        """[B, nKV, T, hd] -> [B, nH, T, hd], each KV head repeated for its group (repeat_interleave on dim 1)."""
        groups = self.n_heads // self.n_kv_heads
        if groups == 1:
            return kv
        batch, _, length, head_dim = kv.shape
        return kv.unsqueeze(2).expand(batch, self.n_kv_heads, groups, length, head_dim).reshape(batch, self.n_heads, length, head_dim)


class LanguageModelMlp(nn.Module):
    """SwiGLU: `down_proj(silu(gate_proj(x)) * up_proj(x))`, no biases."""

    def __init__(self, config: VlmConfig):
        super().__init__()
        self.gate_proj = nn.Linear(config.lm_hidden_dim, config.lm_inter_dim, bias=False)
        self.up_proj = nn.Linear(config.lm_hidden_dim, config.lm_inter_dim, bias=False)
        self.down_proj = nn.Linear(config.lm_inter_dim, config.lm_hidden_dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))  # [B, T, I] -> [B, T, H]


class LanguageModelBlock(nn.Module):
    """Pre-norm block: `x + attn(norm1(x))`, then `x + mlp(norm2(x))`."""

    def __init__(self, config: VlmConfig):
        super().__init__()
        self.mlp = LanguageModelMlp(config)
        self.attn = LanguageModelAttention(config)
        self.norm1 = RmsNorm(config.lm_hidden_dim, config.lm_rms_eps)
        self.norm2 = RmsNorm(config.lm_hidden_dim, config.lm_rms_eps)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, mask: AttentionMask,
                cache: list | None = None, block: int = 0) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), cos, sin, mask, cache, block)
        return x + self.mlp(self.norm2(x))


class LanguageModel(nn.Module):
    def __init__(self, config: VlmConfig):
        super().__init__()
        self.token_embedding = nn.Embedding(config.lm_vocab_size, config.lm_hidden_dim)
        self.rotary_embd = RotaryEmbedding(config)
        self.blocks = nn.ModuleList(LanguageModelBlock(config) for _ in range(config.lm_n_blocks))
        self.norm = RmsNorm(config.lm_hidden_dim, config.lm_rms_eps)
        self.head = None if config.lm_tie_weights else nn.Linear(config.lm_hidden_dim, config.lm_vocab_size, bias=False)
        self.initialize_weights(0.02)

    @property
    def tied_head(self) -> bool:
        return self.head is None

    @property
    def head_weight(self) -> torch.Tensor:
        return self.token_embedding.weight if self.head is None else self.head.weight

    def initialize_weights(self, std: float) -> None:
        """nanoVLM's init: every Linear and the embedding N(0, std); RMSNorm weights 1."""
        with torch.no_grad():
            for module in self.modules():
                if isinstance(module, (nn.Linear, nn.Embedding)):
                    nn.init.normal_(module.weight, 0.0, std)
                elif isinstance(module, RmsNorm):
                    module.weight.fill_(1.0)

    def forward(self, embeddings: torch.Tensor, attention_mask: torch.Tensor | None, cache: list | None = None,
                start: int = 0) -> torch.Tensor:
        """[B, T, H] embeddings -> [B, T, H] final-norm hidden states. With a cache (one entry per block), the new
        positions start at `start` and their keys and values are appended to it; `attention_mask` covers all keys."""
        batch, length, _ = embeddings.shape
        cos, sin = self.rotary_embd.compute(start, length, embeddings.device)                   # [1, T, hd]
        mask = AttentionMask.build(attention_mask, batch, length, start + length, embeddings.device)  # [B, 1, T, T_kv]
        x = embeddings
        for index, block in enumerate(self.blocks):
            x = block(x, cos, sin, mask, cache, index)
        return self.norm(x)

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """[..., H] -> [..., V]."""
        return F.linear(hidden, self.head_weight)
