#!/usr/bin/python3
"""Recomputes the reference cases with nanoVLM's own PyTorch model code (huggingface/nanoVLM), which you fetch.

    git clone https://github.com/huggingface/nanoVLM /tmp/nanoVLM && git -C /tmp/nanoVLM checkout 4e0c096
    /usr/bin/python3 tests/reference-cases/regenerate.py --nanovlm /tmp/nanoVLM            # check every case
    /usr/bin/python3 tests/reference-cases/regenerate.py --nanovlm /tmp/nanoVLM --write    # rewrite expected outputs
    /usr/bin/python3 tests/reference-cases/regenerate.py --nanovlm /tmp/nanoVLM --new my-case --seed 13 [--untied]

Needs torch (Debian's python3-torch) and numpy only: the script imports nanoVLM's `models/config.py`,
`vision_transformer.py`, `modality_projector.py` and `language_model.py` (which import only torch), composes them
as `VisionLanguageModel.forward`/`generate` do, and never touches nanoVLM's tokenizer or the Hugging Face Hub.

* check (default): for each case, loads `model/` and `input.safetensors` into the reference modules, recomputes the
  logits, the loss and the greedy KV-cache generation, and compares them with `expected.safetensors` and `case.json`
  (tolerances of README.md). Exit code 1 when any case differs.
* `--write`: rewrites `expected.safetensors` and `case.json` from what the reference computes (weights and inputs
  stay as they are).
* `--new NAME --seed S`: makes a new case from scratch: the tiny config below, the reference's own random init
  (seeded), then weights and inputs drawn from the seed as described in `_perturb` and `_random_inputs`.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "src", "Distributed"))
from nanovlm_distributed import safetensors_io  # noqa: E402  (the repository's own reader/writer: no safetensors package here)

IMAGE_TOKEN_ID = 300
NEW_TOKENS = 12
# The tiny configuration of every case (the other VLMConfig fields keep HEAD's defaults).
TINY = dict(vit_hidden_dim=64, vit_inter_dim=256, vit_patch_size=8, vit_img_size=64, vit_n_heads=4, vit_n_blocks=2,
            lm_hidden_dim=96, lm_inter_dim=256, lm_max_position_embeddings=512, lm_base_vocab_size=300, lm_vocab_size=366,
            lm_n_heads=6, lm_n_kv_heads=2, lm_n_blocks=3, mp_pixel_shuffle_factor=2, mp_image_token_length=16,
            vlm_load_backbone_weights=False)
TOLERANCE_LOGITS = 2e-4
TOLERANCE_LOSS = 1e-5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nanovlm", required=True, help="a checkout of huggingface/nanoVLM (commit 4e0c096 made the committed cases)")
    parser.add_argument("--cases", default=HERE, help="the cases folder (default: this script's folder)")
    parser.add_argument("--case", action="append", help="only this case (repeatable)")
    parser.add_argument("--write", action="store_true", help="rewrite expected.safetensors and case.json")
    parser.add_argument("--new", metavar="NAME", help="create a new case NAME from scratch")
    parser.add_argument("--seed", type=int, default=11, help="seed of a new case")
    parser.add_argument("--untied", action="store_true", help="a new case with lm_tie_weights false")
    args = parser.parse_args()

    reference = _import_reference(args.nanovlm)
    torch.set_num_threads(1)  # deterministic reductions

    if args.new:
        folder = os.path.join(args.cases, args.new)
        _create_case(reference, folder, args.seed, {"lm_tie_weights": False} if args.untied else {})
        print(f"wrote {folder}")
        return 0

    names = args.case or sorted(d for d in os.listdir(args.cases) if os.path.isfile(os.path.join(args.cases, d, "case.json")))
    failed = 0
    for name in names:
        folder = os.path.join(args.cases, name)
        outputs = _compute(reference, folder)
        if args.write:
            _write_outputs(folder, outputs)
            print(f"{name}: rewrote expected.safetensors and case.json (loss {outputs['loss'].item():.6f})")
        else:
            problems = _compare(folder, outputs)
            print(f"{name}: {'OK' if not problems else 'DIFFERS: ' + '; '.join(problems)}")
            failed += bool(problems)
    return 1 if failed else 0


def _import_reference(path: str):
    if not os.path.isfile(os.path.join(path, "models", "language_model.py")):
        sys.exit(f"{path} is not a nanoVLM checkout (no models/language_model.py). Clone https://github.com/huggingface/nanoVLM.")
    sys.path.insert(0, os.path.abspath(path))
    from models.config import VLMConfig
    from models.language_model import LanguageModel
    from models.modality_projector import ModalityProjector
    from models.vision_transformer import ViT
    return VLMConfig, ViT, ModalityProjector, LanguageModel


def _build(reference, config_values: dict):
    VLMConfig, ViT, ModalityProjector, LanguageModel = reference
    cfg = VLMConfig(**config_values)
    return cfg, ViT(cfg).eval(), ModalityProjector(cfg).eval(), LanguageModel(cfg).eval()


def _load_weights(vit, mp, lm, cfg, weights: dict[str, torch.Tensor]) -> None:
    """nanoVLM checkpoint keys -> the three reference modules (a tied head is stored as decoder.head.weight)."""
    parts = {"vision_encoder.": vit, "MP.": mp, "decoder.": lm}
    for prefix, module in parts.items():
        state = {k[len(prefix):]: v for k, v in weights.items() if k.startswith(prefix)}
        if module is lm and cfg.lm_tie_weights:
            state.setdefault("token_embedding.weight", state["head.weight"])
        missing, unexpected = module.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise SystemExit(f"weights do not fit the reference {prefix[:-1]}: missing {missing}, unexpected {unexpected}")


def _forward(vit, mp, lm, inputs: dict[str, torch.Tensor], image_token_id: int, new_tokens: int):
    """What VisionLanguageModel.forward and .generate (greedy) compute, step by step."""
    ids, mask, pixels = inputs["input_ids"], inputs["attention_mask"], inputs["pixel_values"]
    with torch.no_grad():
        image_embd = mp(vit(pixels))                                   # [N, tokens, D]
        token_embd = lm.token_embedding(ids).clone()                   # [B, T, D]
        token_embd[ids == image_token_id] = image_embd.view(-1, image_embd.size(-1)).to(token_embd.dtype)
        hidden, _ = lm(token_embd, attention_mask=mask)
        logits = lm.head(hidden)                                        # [B, T, V]
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), inputs["labels"].reshape(-1), ignore_index=-100)

        prefill, cache = lm(token_embd, attention_mask=mask, kv_cache=None, start_pos=0)
        current = lm.head(prefill[:, -1, :])
        generated, gaps = [], []
        length = ids.shape[1]
        for i in range(new_tokens):
            top2 = current.topk(2, dim=-1).values
            gaps.append(float((top2[:, 0] - top2[:, 1]).min()))
            token = current.argmax(dim=-1, keepdim=True)               # [B, 1]
            generated.append(token)
            mask = torch.cat([mask, torch.ones_like(token)], dim=1)
            out, cache = lm(lm.token_embedding(token), attention_mask=mask, kv_cache=cache, start_pos=length + i)
            current = lm.head(out[:, -1, :])
    return {"logits": logits, "loss": loss, "generated": torch.cat(generated, dim=1), "min_top2_gap": min(gaps)}


def _compute(reference, folder: str) -> dict:
    case = _read_json(os.path.join(folder, "case.json"))
    config_values = _read_json(os.path.join(folder, "model", "config.json"))
    cfg, vit, mp, lm = _build(reference, config_values)
    _load_weights(vit, mp, lm, cfg, safetensors_io.load(os.path.join(folder, "model", "model.safetensors")))
    inputs = safetensors_io.load(os.path.join(folder, "input.safetensors"))
    new_tokens = len(case["generated"][0]) if case.get("generated") else NEW_TOKENS
    outputs = _forward(vit, mp, lm, inputs, case["image_token_id"], new_tokens)
    outputs["case"] = case
    return outputs


def _compare(folder: str, outputs: dict) -> list[str]:
    expected = safetensors_io.load(os.path.join(folder, "expected.safetensors"))
    problems = []
    logits_diff = float((outputs["logits"] - expected["logits"]).abs().max())
    loss_diff = abs(float(outputs["loss"]) - float(expected["loss"])) / abs(float(expected["loss"]))
    if logits_diff > TOLERANCE_LOGITS:
        problems.append(f"max |dlogits| {logits_diff:.3g} > {TOLERANCE_LOGITS}")
    if loss_diff > TOLERANCE_LOSS:
        problems.append(f"relative |dloss| {loss_diff:.3g} > {TOLERANCE_LOSS}")
    if not torch.equal(outputs["generated"], expected["generated"]):
        problems.append(f"generated {outputs['generated'].tolist()} != {expected['generated'].tolist()}")
    print(f"  max |dlogits| {logits_diff:.3g}, relative |dloss| {loss_diff:.3g}")
    return problems


def _write_outputs(folder: str, outputs: dict) -> None:
    safetensors_io.save(os.path.join(folder, "expected.safetensors"),
                        {"logits": outputs["logits"].contiguous(), "loss": outputs["loss"].reshape(()), "generated": outputs["generated"]},
                        {"format": "pt"})
    case = dict(outputs["case"])
    case.update(loss=float(outputs["loss"]), generated=outputs["generated"].tolist(), min_top2_gap=outputs["min_top2_gap"],
                reference=f"huggingface/nanoVLM model code, PyTorch {torch.__version__.split('+')[0]} CPU, float32, eval mode")
    with open(os.path.join(folder, "case.json"), "w", encoding="utf-8") as f:
        json.dump(case, f, indent=1)


def _create_case(reference, folder: str, seed: int, overrides: dict) -> None:
    torch.manual_seed(seed)
    cfg, vit, mp, lm = _build(reference, {**TINY, **overrides})
    _perturb(vit, mp, lm)
    os.makedirs(os.path.join(folder, "model"), exist_ok=True)
    from dataclasses import asdict
    with open(os.path.join(folder, "model", "config.json"), "w", encoding="utf-8") as f:
        json.dump(asdict(cfg), f, indent=4)
    weights = {f"vision_encoder.{k}": v for k, v in vit.state_dict().items()}
    weights.update({f"MP.{k}": v for k, v in mp.state_dict().items()})
    lm_state = lm.state_dict()
    if cfg.lm_tie_weights:
        lm_state.pop("token_embedding.weight")  # safetensors' save_model keeps the alphabetically first name
    weights.update({f"decoder.{k}": v for k, v in lm_state.items()})
    safetensors_io.save(os.path.join(folder, "model", "model.safetensors"), {k: v.contiguous() for k, v in weights.items()}, {"format": "pt"})
    safetensors_io.save(os.path.join(folder, "input.safetensors"), _random_inputs(cfg), {"format": "pt"})
    case = {"image_token_id": IMAGE_TOKEN_ID, "overrides": overrides, "seed": seed}
    outputs = _forward(vit, mp, lm, safetensors_io.load(os.path.join(folder, "input.safetensors")), IMAGE_TOKEN_ID, NEW_TOKENS)
    outputs["case"] = case
    _write_outputs(folder, outputs)


def _perturb(vit, mp, lm) -> None:
    """Weights larger than nanoVLM's init (N(0, 0.05) matrices, N(0, 0.3) biases, norm weights 1 + N(0, 0.1)) so that
    every layer matters to the logits and greedy tokens are not all alike."""
    with torch.no_grad():
        for module in (vit, mp, lm):
            for name, parameter in module.named_parameters():
                if name.endswith("position_embedding"):
                    continue  # the reference's torch.rand init
                if parameter.dim() >= 2:
                    parameter.normal_(0.0, 0.05)
                elif name.endswith("bias"):
                    parameter.normal_(0.0, 0.3)
                else:
                    parameter.copy_(1.0 + 0.1 * torch.randn_like(parameter))


def _random_inputs(cfg) -> dict[str, torch.Tensor]:
    """Two rows of 56 tokens: row 0 unpadded with two image placeholder runs, row 1 left-padded by 22 with one run;
    the last five positions before the end are labelled with the next token (labels already shifted); random
    pixels in [-1, 1]."""
    length, tokens = 56, cfg.mp_image_token_length
    ids = torch.randint(1, cfg.lm_base_vocab_size, (2, length))
    mask = torch.ones(2, length, dtype=torch.int64)
    ids[0, 3:3 + tokens] = IMAGE_TOKEN_ID
    ids[0, 21:21 + tokens] = IMAGE_TOKEN_ID
    ids[1, :22] = 0
    mask[1, :22] = 0
    ids[1, 25:25 + tokens] = IMAGE_TOKEN_ID
    labels = torch.full((2, length), -100, dtype=torch.int64)
    labels[:, length - 6:length - 1] = ids[:, length - 5:]
    pixels = torch.rand(3, 3, cfg.vit_img_size, cfg.vit_img_size) * 2 - 1
    return {"input_ids": ids, "attention_mask": mask, "labels": labels, "pixel_values": pixels}


def _read_json(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


if __name__ == "__main__":
    sys.exit(main())
