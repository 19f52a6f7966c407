"""`python3 -m nanovlm_distributed.side_by_side`: the C# engine and PyTorch on the same training shapes, with ratios.

    PYTHONPATH=src/Distributed /usr/bin/python3 -m nanovlm_distributed.side_by_side \\
        --server src/Server/bin/Release/net10.0/linux-x64/NanoVlm.Server \\
        --presets small,nanoVLM-222M,nanoVLM-460M --batch-sizes 1 --precisions fp32,bf16 --threads 2 --json side.json

For each preset, batch size and precision it first runs the C# engine's fine-tuning measurement
(`NanoVlm.Server bench --finetune PRESET --finetune-one ...`: the real Trainer on synthetic:easy pages padded to
max_length, every part trained, the NaN guard on), then this package's own PyTorch port of nanoVLM
(`nanovlm_distributed.bench`: its trainer's step on fixed rows) on the shape the C# rows actually had: as many image
views per row and as many tokens per row, with the same number of labelled tokens per row. Each side runs in its own
process. It prints one line per configuration with both engines' seconds per step and tokens per second and the ratio
C# / PyTorch (above 1: the C# engine is faster), with the 1-minute load average before and after.

On a shared machine the ratio of two measurements taken minutes apart is only as good as the load was steady: compare
the load averages printed beside each row.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from . import config as model_presets
from .bench import _package_root


def run_csharp(server: str, preset: str, precision: str, batch: int, steps: int, threads: int) -> dict:
    """One C# fine-tuning configuration (`bench --finetune-one`), as its JSON row."""
    max_length, max_image = csharp_default_shape(preset)
    spec = ",".join([preset, precision, str(batch), str(steps), str(max_length or ""), str(max_image or "")])
    command = [server, "bench", "--finetune-one", spec, "--threads", str(threads)]
    result = subprocess.run(command, capture_output=True, text=True)
    for line in result.stdout.splitlines():
        if line.startswith("FINETUNE-FIGURES "):
            return json.loads(line[len("FINETUNE-FIGURES "):])
    raise RuntimeError(f"`{' '.join(command)}` gave no figures (exit {result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")


def csharp_default_shape(preset: str) -> tuple[int | None, int | None]:
    """What `bench --finetune` measures when no shape is given (FineTuneBench.DefaultShape): 460M at 256 tokens, one 512 px view."""
    return (256, 512) if preset.lower() == "nanovlm-460m" else (None, None)


def run_pytorch(preset: str, precision: str, batch: int, tiles: int, text_tokens: int, labelled: int, steps: int, threads: int) -> dict:
    """One PyTorch configuration (`nanovlm_distributed.bench --one`) in its own process, as its JSON row."""
    command = [sys.executable, "-m", "nanovlm_distributed.bench", "--one", "--presets", preset, "--batch-sizes", str(batch),
               "--precisions", precision, "--tiles", str(tiles), "--text-tokens", str(text_tokens), "--labelled", str(labelled),
               "--warmup", "1", "--steps", str(steps - 1), "--threads", str(threads)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_package_root(), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"`{' '.join(command)}` failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def matching_pytorch_shape(preset: str, row: dict, labelled: int) -> tuple[int, int]:
    """Image tiles and text tokens per row that give PyTorch the C# row's views and tokens per row."""
    model = model_presets.preset(preset)
    tiles = max(1, round(row["ViewsPerSample"]))
    tokens_per_row = row["TokensPerStep"] / row["BatchSize"]
    text_tokens = max(labelled + 1, round(tokens_per_row - tiles * model.mp_image_token_length))
    return tiles, text_tokens


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m nanovlm_distributed.side_by_side", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", required=True, help="the built NanoVlm.Server executable (Release)")
    parser.add_argument("--presets", default="small,nanoVLM-222M,nanoVLM-460M")
    parser.add_argument("--batch-sizes", default="1")
    parser.add_argument("--precisions", default="fp32,bf16")
    parser.add_argument("--steps", type=int, default=3, help="steps per configuration and engine, the first untimed")
    parser.add_argument("--labelled", type=int, default=10,
                        help="labelled tokens per PyTorch row (synthetic:easy answers label about 10 tokens a row)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args(argv)
    if not os.path.isfile(args.server):
        parser.error(f"--server {args.server} does not exist: build it with `dotnet build src/Server -c Release` first.")
    if args.steps < 2:
        parser.error("--steps must be at least 2 (the first step is not timed).")

    print(f"{'preset':<13} {'prec':<5} {'batch':>5} {'views':>5} {'tok/row':>7} {'C# s/step':>9} {'PT s/step':>9} "
          f"{'C# tok/s':>9} {'PT tok/s':>9} {'C#/PT':>6}  load (1 min) before→after", flush=True)
    rows = []
    for preset in args.presets.split(","):
        for batch in (int(b) for b in args.batch_sizes.split(",")):
            for precision in args.precisions.split(","):
                load_before = os.getloadavg()[0]
                csharp = run_csharp(args.server, preset, precision, batch, args.steps, args.threads)
                tiles, text_tokens = matching_pytorch_shape(preset, csharp, args.labelled)
                pytorch = run_pytorch(preset, precision, batch, tiles, text_tokens, args.labelled, args.steps, args.threads)
                load_after = os.getloadavg()[0]
                ratio = csharp["TokensPerSecond"] / pytorch["tokens_per_second"]
                rows.append({"preset": preset, "precision": precision, "batch_size": batch, "csharp": csharp, "pytorch": pytorch,
                             "csharp_over_pytorch": ratio, "load_before": load_before, "load_after": load_after})
                print(f"{preset:<13} {precision:<5} {batch:>5} {tiles:>5} {pytorch['tokens_per_step'] / batch:>7.0f} "
                      f"{csharp['SecondsPerStep']:>9.2f} {pytorch['seconds_per_step']:>9.2f} {csharp['TokensPerSecond']:>9.1f} "
                      f"{pytorch['tokens_per_second']:>9.1f} {ratio:>6.2f}  {load_before:.1f}→{load_after:.1f}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
