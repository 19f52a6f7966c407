"""nanoVLM's `VisionLanguageModel`: `vision_encoder` -> `MP` -> image embeddings written over the `<|image|>`
placeholder rows of the token embeddings -> `decoder`. Hidden states, logits and loss are separate calls, so training
takes the loss from the labelled positions only, without [B, T, V] logits (as the C# engine does)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..config import VlmConfig
from .language import LanguageModel
from .projector import ModalityProjector
from .vision import VisionTransformer

IGNORE_INDEX = -100


class VisionLanguageModel(nn.Module):
    def __init__(self, config: VlmConfig):
        super().__init__()
        self.config = config.ensure_valid()
        self.vision_encoder = VisionTransformer(config)
        self.decoder = LanguageModel(config)
        self.MP = ModalityProjector(config)

    def encode_images(self, pixels: torch.Tensor) -> torch.Tensor:
        """[N, 3, S, S] -> [N, mp_image_token_length, lm_hidden_dim]."""
        return self.MP(self.vision_encoder(pixels))

    def embed_inputs(self, input_ids: torch.Tensor, pixels: torch.Tensor | None, image_token_id: int | None = None) -> torch.Tensor:
        """Token embeddings [B, T, H] with the k-th placeholder (row-major over [B, T]) replaced by row k of the
        flattened image embeddings, so the first tile fills the first placeholder run."""
        token_id = self.config.image_token_id if image_token_id is None else image_token_id
        embeddings = self.decoder.token_embedding(input_ids)             # [B, T, H]
        placeholders = input_ids == token_id                             # [B, T]
        placeholder_count = int(placeholders.sum())
        tiles = 0 if pixels is None else pixels.shape[0]
        expected = tiles * self.config.mp_image_token_length
        if placeholder_count != expected:
            raise ValueError(f"The input holds {placeholder_count} image placeholder tokens (id {token_id}) but {tiles} image tile(s) "
                             f"x {self.config.mp_image_token_length} tokens each = {expected} image embeddings.")
        if tiles == 0:
            return embeddings
        images = self.encode_images(pixels).reshape(-1, self.config.lm_hidden_dim).to(embeddings.dtype)  # [N*tokens, H]
        return embeddings.masked_scatter(placeholders.unsqueeze(-1), images)

    def forward(self, input_ids: torch.Tensor, pixels: torch.Tensor | None, attention_mask: torch.Tensor | None,
                image_token_id: int | None = None) -> torch.Tensor:
        """Final-norm hidden states [B, T, H] of a full (uncached) forward at positions 0..T-1."""
        return self.decoder(self.embed_inputs(input_ids, pixels, image_token_id), attention_mask)

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.decoder.logits(hidden)

    def loss_sum(self, hidden: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, int]:
        """(sum of the float32 cross-entropy over positions whose label is not -100, their count). Only labelled rows go
        through the head. With no labelled position the sum is 0 and still part of the graph (every parameter that
        took part gets a zero gradient, which keeps DDP's reduction complete)."""
        flat_hidden = hidden.reshape(-1, hidden.shape[-1])                   # [B*T, H]
        flat_labels = labels.reshape(-1)                                     # [B*T]
        positions = (flat_labels != IGNORE_INDEX).nonzero().squeeze(-1)      # [L]
        if positions.numel() == 0:
            return flat_hidden.sum().float() * 0.0, 0
        logits = self.logits(flat_hidden.index_select(0, positions)).float()  # [L, V]
        return F.cross_entropy(logits, flat_labels.index_select(0, positions), reduction="sum"), positions.numel()

    def loss(self, hidden: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy over the labelled positions (0 when there are none)."""
        total, count = self.loss_sum(hidden, labels)
        return total / max(count, 1)

    @torch.no_grad()
    def generate_greedy(self, input_ids: torch.Tensor, pixels: torch.Tensor | None, attention_mask: torch.Tensor,
                        new_tokens: int, image_token_id: int | None = None) -> torch.Tensor:
        """[B, new_tokens] greedy tokens: a prefill over the prompt, then one token at a time with the KV cache
        (position T + i for the i-th new token, 1 appended to the attention mask), no stop at EOS."""
        cache: list = [None] * len(self.decoder.blocks)
        embeddings = self.embed_inputs(input_ids, pixels, image_token_id)
        hidden = self.decoder(embeddings, attention_mask, cache, 0)
        mask = attention_mask
        position = input_ids.shape[1]
        generated = []
        for _ in range(new_tokens):
            token = self.logits(hidden[:, -1, :]).argmax(dim=-1, keepdim=True)  # [B, 1]
            generated.append(token)
            mask = torch.cat([mask, torch.ones_like(token)], dim=1)
            hidden = self.decoder(self.decoder.token_embedding(token), mask, cache, position)
            position += 1
        return torch.cat(generated, dim=1)
