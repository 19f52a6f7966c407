"""nanoVLM's model configuration (`VLMConfig`, huggingface/nanoVLM 4e0c096) with its `config.json` names, plus the
model presets of the C# engine (`src/Engine/Model/ModelPresets.cs`), so that a preset name means the same shapes on
both engines.

Unlike the reference's `VLMConfig(**json)`, reading ignores unknown keys (older Hub checkpoints carry
`lm_eos_token_id`) and reports them as warnings, as the C# `VlmConfigFile` does.
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
from dataclasses import dataclass, field
from typing import Any

CONFIG_FILE_NAME = "config.json"
SMOLLM2_BASE_VOCAB_SIZE = 49152

_CHAT_TEMPLATE = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def default_extra_tokens(grid_rows: int = 8, grid_columns: int = 8) -> dict[str, str]:
    """HEAD's extra tokens in id order: image, global image, then the grid tokens row-major."""
    tokens = {"image_token": "<|image|>", "global_image_token": "<|global_image|>"}
    for row in range(1, grid_rows + 1):
        for column in range(1, grid_columns + 1):
            tokens[f"r{row}c{column}"] = f"<row_{row}_col_{column}>"
    return tokens


@dataclass
class VlmConfig:
    # Vision transformer (SigLIP-style)
    vit_hidden_dim: int = 768
    vit_inter_dim: int = 4 * 768
    vit_patch_size: int = 16
    vit_img_size: int = 512
    vit_n_heads: int = 12
    vit_dropout: float = 0.0
    vit_n_blocks: int = 12
    vit_ln_eps: float = 1e-6
    vit_cls_flag: bool = False
    vit_model_type: str = "google/siglip2-base-patch16-512"
    # Language model (SmolLM2 / Llama-style decoder)
    lm_hidden_dim: int = 960
    lm_inter_dim: int = 2560
    lm_rms_eps: float = 1e-5
    lm_re_base: float = 100000
    lm_max_position_embeddings: int = 8192
    lm_base_vocab_size: int = SMOLLM2_BASE_VOCAB_SIZE
    extra_token_amount: int = 66
    lm_vocab_size: int = SMOLLM2_BASE_VOCAB_SIZE + 66
    lm_n_heads: int = 15
    lm_n_kv_heads: int = 5
    lm_dropout: float = 0.0
    lm_n_blocks: int = 32
    lm_attn_scaling: float = 1.0
    lm_max_length: int = 4096
    lm_use_tokens: bool = False
    lm_tie_weights: bool = True
    lm_model_type: str = "HuggingFaceTB/SmolLM2-360M-Instruct"
    lm_tokenizer: str = "HuggingFaceTB/SmolLM2-360M-Instruct"
    lm_chat_template: str = _CHAT_TEMPLATE
    # Modality projector
    mp_pixel_shuffle_factor: int = 4
    mp_image_token_length: int = 64
    # Image preprocessing (done by the C# side; kept so checkpoints round-trip)
    max_img_size: int = 2048
    resize_to_max_side_len: bool = True
    # VLM
    vlm_extra_tokens: dict[str, str] = field(default_factory=default_extra_tokens)
    vlm_load_backbone_weights: bool = True
    vlm_checkpoint_path: str = "checkpoints"
    hf_repo_name: str = "nanoVLM"

    # ---- derived values ----
    @property
    def vit_patches_per_side(self) -> int:
        return self.vit_img_size // self.vit_patch_size if self.vit_patch_size > 0 else 0

    @property
    def vit_num_patches(self) -> int:
        return self.vit_patches_per_side ** 2

    @property
    def lm_head_dim(self) -> int:
        return self.lm_hidden_dim // self.lm_n_heads if self.lm_n_heads > 0 else 0

    @property
    def image_token_id(self) -> int:
        """The id of `<|image|>`: the base vocabulary size plus the position of `image_token` among the extra tokens."""
        for index, key in enumerate(self.vlm_extra_tokens):
            if key == "image_token":
                return self.lm_base_vocab_size + index
        return self.lm_base_vocab_size

    # ---- reading and writing ----
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        """What nanoVLM's `save_pretrained` writes (`json.dump(asdict(cfg), indent=4)`)."""
        return json.dumps(self.to_dict(), indent=4)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> tuple["VlmConfig", list[str]]:
        """The config and the warnings about unknown or missing fields (missing ones get nanoVLM HEAD's defaults)."""
        if not isinstance(values, dict):
            raise InvalidVlmConfig([f"config must be a JSON object, not {type(values).__name__}."])
        names = [f.name for f in dataclasses.fields(cls)]
        warnings = [f"ignored unknown config field '{k}' (a legacy or newer nanoVLM field)." for k in sorted(values) if k not in names]
        missing = [n for n in names if n not in values]
        if missing:
            warnings.append(f"config lacks {', '.join(missing)}; using nanoVLM HEAD defaults for them, which may not match how this checkpoint was trained.")
        known = {k: v for k, v in values.items() if k in names}
        config = cls(**known)
        config.vlm_extra_tokens = dict(config.vlm_extra_tokens)
        return config, warnings

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> tuple["VlmConfig", list[str]]:
        """Reads `config.json` (a file, or a folder holding one) and validates it."""
        path = os.fspath(path)
        file = os.path.join(path, CONFIG_FILE_NAME) if os.path.isdir(path) else path
        if not os.path.isfile(file):
            raise FileNotFoundError(f"No nanoVLM config at {file}.")
        with open(file, encoding="utf-8") as f:
            try:
                values = json.load(f)
            except json.JSONDecodeError as e:
                raise InvalidVlmConfig([f"{file} is not valid JSON: {e}"]) from e
        config, warnings = cls.from_dict(values)
        config.ensure_valid()
        return config, warnings

    # ---- validation (the rules of the C# VlmConfigValidation) ----
    def validate(self) -> list[str]:
        problems: list[str] = []

        def positive(name: str) -> None:
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or value <= 0:
                problems.append(f"{name} must be positive (got {value}).")

        def positive_finite(name: str) -> None:
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not value > 0 or math.isinf(value):
                problems.append(f"{name} must be a positive finite number (got {value}).")

        def probability(name: str) -> None:
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 <= value < 1:
                problems.append(f"{name} must be in [0, 1) (got {value}).")

        for name in ("vit_hidden_dim", "vit_inter_dim", "vit_patch_size", "vit_img_size", "vit_n_heads", "vit_n_blocks",
                     "lm_hidden_dim", "lm_inter_dim", "lm_n_heads", "lm_n_kv_heads", "lm_n_blocks", "lm_max_position_embeddings",
                     "lm_max_length", "lm_base_vocab_size", "lm_vocab_size", "mp_pixel_shuffle_factor", "mp_image_token_length",
                     "max_img_size"):
            positive(name)
        for name in ("vit_ln_eps", "lm_rms_eps", "lm_re_base"):
            positive_finite(name)
        probability("vit_dropout")
        probability("lm_dropout")
        if problems:
            return problems

        if self.vit_hidden_dim % self.vit_n_heads:
            problems.append(f"vit_hidden_dim ({self.vit_hidden_dim}) must be divisible by vit_n_heads ({self.vit_n_heads}).")
        if self.vit_img_size % self.vit_patch_size:
            problems.append(f"vit_img_size ({self.vit_img_size}) must be a multiple of vit_patch_size ({self.vit_patch_size}).")
        else:
            side, s = self.vit_patches_per_side, self.mp_pixel_shuffle_factor
            if side % s:
                problems.append(f"the patch grid side vit_img_size/vit_patch_size = {side} must be divisible by mp_pixel_shuffle_factor ({s}).")
            elif self.mp_image_token_length != side * side // (s * s):
                problems.append(f"mp_image_token_length ({self.mp_image_token_length}) must equal (vit_img_size/vit_patch_size)^2 / "
                                f"mp_pixel_shuffle_factor^2 = {side * side // (s * s)}.")
        if self.vit_cls_flag:
            problems.append("vit_cls_flag must be false in a VLM: the modality projector needs every patch token.")
        if self.lm_hidden_dim % self.lm_n_heads:
            problems.append(f"lm_hidden_dim ({self.lm_hidden_dim}) must be divisible by lm_n_heads ({self.lm_n_heads}).")
        elif self.lm_head_dim % 2:
            problems.append(f"the LM head dimension lm_hidden_dim/lm_n_heads = {self.lm_head_dim} must be even (rotary embeddings rotate half of it).")
        if self.lm_n_heads % self.lm_n_kv_heads:
            problems.append(f"lm_n_heads ({self.lm_n_heads}) must be divisible by lm_n_kv_heads ({self.lm_n_kv_heads}).")
        if self.lm_use_tokens:
            problems.append("lm_use_tokens must be false in a VLM: the decoder receives embeddings with the image rows merged.")
        if self.lm_base_vocab_size + self.extra_token_amount != self.lm_vocab_size:
            problems.append(f"lm_vocab_size ({self.lm_vocab_size}) must equal lm_base_vocab_size + extra_token_amount = "
                            f"{self.lm_base_vocab_size + self.extra_token_amount}.")
        if len(self.vlm_extra_tokens) != self.extra_token_amount:
            problems.append(f"extra_token_amount ({self.extra_token_amount}) must equal the number of vlm_extra_tokens ({len(self.vlm_extra_tokens)}).")
        if "image_token" not in self.vlm_extra_tokens:
            problems.append('vlm_extra_tokens must contain an "image_token" entry (the <|image|> placeholder).')
        return problems

    def ensure_valid(self) -> "VlmConfig":
        problems = self.validate()
        if problems:
            raise InvalidVlmConfig(problems)
        return self


class InvalidVlmConfig(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__(f"Invalid nanoVLM config ({len(problems)} problem{'s' if len(problems) != 1 else ''}):\n"
                         + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


# ---- presets: the same shapes as src/Engine/Model/ModelPresets.cs ----

def _with_vocab(config: VlmConfig, base_vocab_size: int) -> VlmConfig:
    config.lm_base_vocab_size = base_vocab_size
    config.extra_token_amount = len(config.vlm_extra_tokens)
    config.lm_vocab_size = base_vocab_size + len(config.vlm_extra_tokens)
    return config


def tiny(base_vocab_size: int = SMOLLM2_BASE_VOCAB_SIZE) -> VlmConfig:
    return _with_vocab(VlmConfig(
        vit_hidden_dim=64, vit_inter_dim=256, vit_patch_size=8, vit_img_size=64, vit_n_heads=4, vit_n_blocks=2,
        vit_model_type="none (trained from scratch)",
        lm_hidden_dim=128, lm_inter_dim=384, lm_n_heads=4, lm_n_kv_heads=2, lm_n_blocks=4, lm_max_position_embeddings=2048,
        lm_max_length=512, mp_pixel_shuffle_factor=2, mp_image_token_length=16, max_img_size=256, resize_to_max_side_len=False,
        vlm_load_backbone_weights=False), base_vocab_size)


def small(base_vocab_size: int = SMOLLM2_BASE_VOCAB_SIZE) -> VlmConfig:
    return _with_vocab(VlmConfig(
        vit_hidden_dim=192, vit_inter_dim=768, vit_patch_size=16, vit_img_size=224, vit_n_heads=3, vit_n_blocks=6,
        vit_model_type="none (trained from scratch)",
        lm_hidden_dim=384, lm_inter_dim=1024, lm_n_heads=6, lm_n_kv_heads=2, lm_n_blocks=8, lm_max_position_embeddings=4096,
        lm_max_length=1024, mp_pixel_shuffle_factor=2, mp_image_token_length=49, max_img_size=896, resize_to_max_side_len=False,
        vlm_load_backbone_weights=False), base_vocab_size)


def nanovlm_222m(base_vocab_size: int = SMOLLM2_BASE_VOCAB_SIZE) -> VlmConfig:
    return _with_vocab(VlmConfig(
        vit_hidden_dim=768, vit_inter_dim=3072, vit_patch_size=16, vit_img_size=224, vit_n_heads=12, vit_n_blocks=12,
        vit_model_type="google/siglip-base-patch16-224",
        lm_hidden_dim=576, lm_inter_dim=1536, lm_n_heads=9, lm_n_kv_heads=3, lm_n_blocks=30, lm_max_position_embeddings=8192,
        lm_max_length=4096, lm_model_type="HuggingFaceTB/SmolLM2-135M-Instruct", lm_tokenizer="HuggingFaceTB/SmolLM2-135M-Instruct",
        mp_pixel_shuffle_factor=2, mp_image_token_length=49, max_img_size=1024), base_vocab_size)


def nanovlm_460m(base_vocab_size: int = SMOLLM2_BASE_VOCAB_SIZE) -> VlmConfig:
    return _with_vocab(VlmConfig(), base_vocab_size)


PRESETS = {"tiny": tiny, "small": small, "nanovlm-222m": nanovlm_222m, "nanovlm-460m": nanovlm_460m}
PRESET_NAMES = ["tiny", "small", "nanoVLM-222M", "nanoVLM-460M"]


def preset(name: str, base_vocab_size: int = SMOLLM2_BASE_VOCAB_SIZE) -> VlmConfig:
    try:
        return PRESETS[name.lower()](base_vocab_size)
    except KeyError:
        raise ValueError(f"Unknown model preset '{name}'. Known presets: {', '.join(PRESET_NAMES)}.") from None
