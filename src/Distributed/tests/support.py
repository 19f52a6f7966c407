"""Helpers shared by the tests: small shard folders, run configurations, launching the trainer in one process or
under torchrun, and reading a run folder back."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import torch

from conftest import PACKAGE_ROOT, REFERENCE_CASES
from nanovlm_distributed.config import VlmConfig
from nanovlm_distributed.shards import IGNORE_INDEX, ShardWriter

PYTHON = sys.executable


def tiny_model() -> VlmConfig:
    """The reference cases' configuration: 64 px tiles, 16 image tokens, a 3-block 96-wide decoder, 366 tokens."""
    config, _ = VlmConfig.load(os.path.join(REFERENCE_CASES, "basic-tied", "model"))
    return config


def make_shards(folder: str, model: VlmConfig, train: int, validation: int = 0, seed: int = 0,
                nan_samples: tuple[int, ...] = (), samples_per_shard: int = 5, varied_answers: bool = False) -> str:
    """Random samples (1 tile, 16 placeholders, 8-20 prompt tokens, 4 labelled answer tokens, or 1-4 with
    `varied_answers`); the train samples listed in `nan_samples` get a NaN pixel: bad data that float32 cannot
    compute either."""
    generator = torch.Generator().manual_seed(seed)
    writer = ShardWriter(folder, image_token_id=model.image_token_id, pad_token_id=0, tile_size=model.vit_img_size,
                         image_token_length=model.mp_image_token_length, vocab_size=model.lm_vocab_size,
                         source=f"test:seed={seed}", model=model.to_dict(), samples_per_shard=samples_per_shard)
    for split, count in (("train", train), ("validation", validation)):
        for k in range(count):
            prompt = int(torch.randint(8, 21, (1,), generator=generator))
            answer = 1 + k % 4 if varied_answers else 4
            text = torch.randint(1, model.lm_base_vocab_size, (prompt + answer,), generator=generator)
            ids = torch.cat([text[:2], torch.full((model.mp_image_token_length,), model.image_token_id), text[2:]])
            labels = torch.full_like(ids, IGNORE_INDEX)
            labels[-answer - 1:-1] = ids[-answer:]  # shifted: position t predicts token t+1
            pixels = torch.rand(1, 3, model.vit_img_size, model.vit_img_size, generator=generator)
            if split == "train" and k in nan_samples:
                pixels[0, 0, 0, 0] = float("nan")
            writer.add(split, f"{split}-{k}", ids, labels, pixels)
    writer.close()
    return folder


def write_config(path: str, **fields) -> str:
    values = {"model_preset": "test", "max_steps": 4, "batch_size": 4, "lr_mp": 3e-3, "lr_vision": 1e-3, "lr_language": 1e-3,
              "warmup_fraction": 0.25, "eval_interval": 0, "val_batches": 2, "checkpoint_interval": 0, "headroom_interval": 0,
              "precision": "fp32", "threads": 1, "seed": 3}
    values.update(fields)
    with open(path, "w") as f:
        json.dump(values, f)
    return path


def environment() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = PACKAGE_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env["OMP_NUM_THREADS"] = "1"
    return env


def train_command(args: list[str], processes: int = 1) -> list[str]:
    if processes == 1:
        return [PYTHON, "-m", "nanovlm_distributed.train", *args]
    # torch 1.13 on Python 3.11 needs --redirects/--tee other than 0 and 3 (see docs/distributed.md).
    return [PYTHON, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}", "--monitor_interval", "0.5", "--redirects", "1", "--tee", "2",
            "-m", "nanovlm_distributed.train", *args]


def train(args: list[str], processes: int = 1, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(train_command(args, processes), env=environment(), capture_output=True, text=True, timeout=timeout)


def start(args: list[str], processes: int = 1) -> subprocess.Popen:
    return subprocess.Popen(train_command(args, processes), env=environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def read_jsonl(path: str) -> list[dict]:
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def metrics(run_dir: str) -> list[dict]:
    return read_jsonl(os.path.join(run_dir, "metrics.jsonl"))


def events(run_dir: str, event_type: str | None = None) -> list[dict]:
    found = read_jsonl(os.path.join(run_dir, "events.jsonl"))
    return [e for e in found if event_type is None or e["type"] == event_type]


def losses(run_dir: str) -> list[float]:
    return [m["loss"] for m in metrics(run_dir)]


def train_in_process(args: list[str]) -> int:
    """The trainer's main() in this process (a world of one): no interpreter start, no torch import."""
    import signal

    from nanovlm_distributed import train as trainer_cli
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        return trainer_cli.main(args)
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)


def csharp_names(file_name: str, record: str) -> list[str]:
    """The JSON names of a C# record's properties ([JsonPropertyName("...")]), read from the engine's source (the file
    is looked up by name anywhere under src/Engine, so moving folders does not matter), so that these tests fail when
    the C# format changes and this package does not follow."""
    import re
    engine = os.path.join(os.path.dirname(os.path.dirname(PACKAGE_ROOT)), "src", "Engine")
    for folder, _, files in os.walk(engine):
        if file_name in files and "bin" not in folder.split(os.sep) and "obj" not in folder.split(os.sep):
            with open(os.path.join(folder, file_name)) as f:
                text = f.read()
            if f"record {record}" in text:
                start = text.index(f"record {record}")
                body = text[start:text.index("\n}", start)]
                return re.findall(r'JsonPropertyName\("([^"]+)"\)', body)
    raise FileNotFoundError(f"no C# record {record} in a {file_name} under {engine}")
