"""`python3 -m nanovlm_distributed.logits`: the parity contract of the C# `logits` verb, on this engine.

    python3 -m nanovlm_distributed.logits --model DIR --input IN.safetensors --output OUT.safetensors [--generate N]

Input: `input_ids` int64 [B,T]; optional `attention_mask` int64 [B,T] (all ones if absent), `pixel_values` float32
[N,3,H,W], `labels` int64 [B,T] (-100 = ignored, already shifted). Output: `logits` float32 [B,T,V]; `loss` float32
scalar when labels are given; `generated` int64 [B,N] with --generate N (greedy, KV cache, no EOS stop).
"""
from __future__ import annotations

import argparse
import sys

import torch

from . import checkpoint, safetensors_io


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m nanovlm_distributed.logits", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="a nanoVLM checkpoint folder (config.json + model.safetensors)")
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--generate", type=int, help="greedy tokens to generate")
    parser.add_argument("--image-token-id", type=int, help="placeholder id (default: the config's)")
    args = parser.parse_args(argv)
    if args.generate is not None and args.generate <= 0:
        parser.error("--generate must be a positive number of tokens.")

    model, warnings = checkpoint.load(args.model)
    inputs = safetensors_io.load(args.input)
    if "input_ids" not in inputs or inputs["input_ids"].dtype != torch.int64 or inputs["input_ids"].dim() != 2:
        print(f"error: {args.input} needs an int64 [B, T] 'input_ids' tensor (found: {', '.join(inputs)}).", file=sys.stderr)
        return 2
    ids = inputs["input_ids"]
    mask = inputs.get("attention_mask", torch.ones_like(ids))
    pixels = inputs["pixel_values"].float() if "pixel_values" in inputs else None
    with torch.no_grad():
        hidden = model(ids, pixels, mask, args.image_token_id)
        results = {"logits": model.logits(hidden).float().contiguous()}  # [B, T, V]
        if "labels" in inputs:
            results["loss"] = model.loss(hidden, inputs["labels"]).reshape(())
    if args.generate:
        results["generated"] = model.generate_greedy(ids, pixels, mask, args.generate, args.image_token_id)
    safetensors_io.save(args.output, results, {"format": "pt"})
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"logits {list(results['logits'].shape)}" + (f", loss {float(results['loss']):.6f}" if "loss" in results else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
