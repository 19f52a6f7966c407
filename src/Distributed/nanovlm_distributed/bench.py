"""`python3 -m nanovlm_distributed.bench`: seconds per training step, tokens/s and peak memory of this engine, for
given shapes, as JSON, so that the C# engine's figures can be put beside them.

    python3 -m nanovlm_distributed.bench --presets small,nanoVLM-222M,nanoVLM-460M --batch-sizes 1,2 \\
        --precisions fp32,bf16 --text-tokens 128 --tiles 1 --threads 2 --json bench.json

Each row is one configuration measured in a fresh process (so its peak RSS is its own): a model preset (random
weights, SmolLM2's vocabulary plus nanoVLM's 66 extra tokens), rows of `--tiles` tiles of the model's own tile size
(512 px for nanoVLM-460M, 224 px for nanoVLM-222M and small) with their image placeholders and `--text-tokens` text
tokens, the last `--labelled` of them labelled, every parameter group training. The step timed is the trainer's own
(`training.step.run`: forward, backward, the NaN guard's check, clipping, AdamW), after `--warmup` untimed steps;
`seconds_per_step` is the median of `--steps` steps.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import torch

from . import config as model_presets
from .model import VisionLanguageModel
from .shards import IGNORE_INDEX, ShardSet, ShardWriter
from .training import step as steps
from .training.config import TrainingConfig
from .training.precision import DeviceCapabilities
from .training.session import Session
from .training.world import World


def write_fixed_shards(folder: str, model, samples: int, tiles: int, text_tokens: int, labelled: int, seed: int = 0) -> None:
    generator = torch.Generator().manual_seed(seed)
    writer = ShardWriter(folder, image_token_id=model.image_token_id, pad_token_id=0, tile_size=model.vit_img_size,
                         image_token_length=model.mp_image_token_length, vocab_size=model.lm_vocab_size, source="bench",
                         model=model.to_dict(), samples_per_shard=max(samples, 1))
    for k in range(samples):
        text = torch.randint(1, model.lm_base_vocab_size, (text_tokens,), generator=generator)
        placeholders = torch.full((tiles * model.mp_image_token_length,), model.image_token_id, dtype=torch.int64)
        ids = torch.cat([text[:1], placeholders, text[1:]])
        labels = torch.full_like(ids, IGNORE_INDEX)
        labels[-labelled - 1:-1] = ids[-labelled:]
        pixels = torch.rand(tiles, 3, model.vit_img_size, model.vit_img_size, generator=generator)
        writer.add("train", f"bench-{k}", ids, labels, pixels)
    writer.close()


def measure(preset: str, precision: str, batch_size: int, tiles: int, text_tokens: int, labelled: int, warmup: int, repeats: int,
            threads: int) -> dict:
    if threads > 0:
        torch.set_num_threads(threads)
    model_config = model_presets.preset(preset)
    world = World(0, 1, 0, torch.device("cpu"))
    compute = DeviceCapabilities.detect(world.device).resolve(precision, model_config.lm_hidden_dim)
    config = TrainingConfig(model_preset=preset, model=model_config, precision=precision, max_steps=1000, batch_size=batch_size,
                            lr_mp=1e-4, lr_vision=1e-4, lr_language=1e-4, eval_interval=0, headroom_interval=0, threads=threads)
    with tempfile.TemporaryDirectory() as folder:
        write_fixed_shards(folder, model_config, batch_size * (warmup + repeats), tiles, text_tokens, labelled)
        torch.manual_seed(0)
        model = VisionLanguageModel(model_config).train()
        session = Session(config, model, model, world, ShardSet(folder), compute)
        times = []
        tokens = 0
        for index in range(warmup + repeats):
            started = time.perf_counter()
            result = steps.run(session, cancel_requested=False, measure_headroom=False)
            elapsed = time.perf_counter() - started
            if result.status != steps.APPLIED:
                raise RuntimeError(f"step {index} was not applied ({result.status}, loss {result.loss}).")
            if index >= warmup:
                times.append(elapsed)
                tokens = result.tokens
    seconds = statistics.median(times)
    return {
        "engine": "pytorch", "torch": torch.__version__, "preset": preset, "precision": compute, "batch_size": batch_size,
        "tile_px": model_config.vit_img_size, "tiles_per_row": tiles, "text_tokens": text_tokens, "labelled_tokens": labelled,
        "tokens_per_step": tokens, "parameters": sum(p.numel() for p in model.parameters()), "threads": torch.get_num_threads(),
        "seconds_per_step": seconds, "step_seconds": times, "tokens_per_second": tokens / seconds,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m nanovlm_distributed.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", default="small,nanoVLM-222M,nanoVLM-460M")
    parser.add_argument("--batch-sizes", default="1,2")
    parser.add_argument("--precisions", default="fp32,bf16")
    parser.add_argument("--tiles", type=int, default=1, help="image tiles per row")
    parser.add_argument("--text-tokens", type=int, default=128, help="text tokens per row (besides the image placeholders)")
    parser.add_argument("--labelled", type=int, default=16, help="labelled (answer) tokens per row, at its end")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--steps", type=int, default=3, help="timed steps; the figure is their median")
    parser.add_argument("--threads", type=int, default=0, help="intra-op threads (0 = PyTorch's default)")
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a single configuration, in this process
    args = parser.parse_args(argv)
    if not 0 < args.labelled < args.text_tokens:
        parser.error("--labelled must lie between 1 and --text-tokens - 1.")

    if args.one:
        row = measure(args.presets, args.precisions, int(args.batch_sizes), args.tiles, args.text_tokens, args.labelled,
                      args.warmup, args.steps, args.threads)
        print(json.dumps(row))
        return 0

    rows = []
    for preset in args.presets.split(","):
        for batch in args.batch_sizes.split(","):
            for precision in args.precisions.split(","):
                command = [sys.executable, "-m", "nanovlm_distributed.bench", "--one", "--presets", preset, "--batch-sizes", batch,
                           "--precisions", precision, "--tiles", str(args.tiles), "--text-tokens", str(args.text_tokens),
                           "--labelled", str(args.labelled), "--warmup", str(args.warmup), "--steps", str(args.steps),
                           "--threads", str(args.threads)]
                result = subprocess.run(command, capture_output=True, text=True,
                                        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_package_root(), os.environ.get("PYTHONPATH")]))})
                if result.returncode != 0:
                    print(f"{preset} {precision} batch {batch} failed:\n{result.stderr}", file=sys.stderr)
                    return 1
                row = json.loads(result.stdout.strip().splitlines()[-1])
                row["load_average"] = os.getloadavg()[0]
                rows.append(row)
                print(json.dumps(row), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)
    return 0


def _package_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


if __name__ == "__main__":
    sys.exit(main())
