"""This engine against the C# engine, through the server executable's own verbs (`logits`, `train --resume`): the C#
side loads this engine's checkpoints, and a run moves from either engine to the other. Needs the server built
(./test.sh builds it before these tests run); without a build these tests are skipped with that reason."""
import glob
import json
import os
import subprocess

import pytest
import torch

import support
from conftest import REPOSITORY_ROOT
from nanovlm_distributed import checkpoint, safetensors_io, shards
from nanovlm_distributed.shards import ShardSet
from nanovlm_distributed.training.config import TrainingConfig


def server_executable() -> str:
    found = sorted(glob.glob(os.path.join(REPOSITORY_ROOT, "src", "Server", "bin", "*", "net10.0", "linux-x64", "NanoVlm.Server")),
                   key=os.path.getmtime)
    if not found:
        pytest.skip("the C# server is not built (run `dotnet build NanoVlm.Web.sln` or ./test.sh first)")
    return found[-1]


def csharp(*args: str, cwd: str) -> subprocess.CompletedProcess:
    result = subprocess.run([server_executable(), *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


def test_the_csharp_engine_computes_the_same_outputs_from_this_engines_checkpoint(tmp_path, clean_shards, one_process_run):
    model_dir = os.path.join(one_process_run, "checkpoints", "step_000005")  # trained here for 5 steps
    batch = ShardSet(clean_shards).validation.global_batch([0, 1, 2], 3).rows_of(0)
    inputs = {"input_ids": batch.input_ids, "attention_mask": batch.attention_mask, "labels": batch.labels, "pixel_values": batch.pixels}
    safetensors_io.save(tmp_path / "input.safetensors", inputs)
    csharp("logits", "--model", model_dir, "--input", str(tmp_path / "input.safetensors"), "--output", str(tmp_path / "cs.safetensors"),
           "--generate", "6", cwd=str(tmp_path))
    theirs = safetensors_io.load(tmp_path / "cs.safetensors")

    model, _ = checkpoint.load(model_dir)
    with torch.no_grad():
        hidden = model(batch.input_ids, batch.pixels, batch.attention_mask)
        logits, loss = model.logits(hidden), model.loss(hidden, batch.labels)
    assert (theirs["logits"] - logits).abs().max().item() < 1e-4
    assert theirs["loss"].item() == pytest.approx(loss.item(), rel=1e-5)
    assert torch.equal(theirs["generated"], model.generate_greedy(batch.input_ids, batch.pixels, batch.attention_mask, 6))


def test_a_run_resumes_across_engines_in_both_directions(tmp_path):
    # The in-process engine trains the tiny preset on its synthetic pages, checkpointing at step 2.
    settings = {"model_preset": "tiny", "max_steps": 4, "batch_size": 2, "lr_mp": 3e-3, "lr_vision": 0, "lr_language": 1e-3,
                "eval_interval": 0, "checkpoint_interval": 2, "headroom_interval": 0, "precision": "fp32", "threads": 1,
                "data": "synthetic:easy"}
    with open(tmp_path / "cs.json", "w") as f:
        json.dump(settings, f)
    csharp("train", "--config", str(tmp_path / "cs.json"), "--out", str(tmp_path / "cs"), "--no-tensorboard", cwd=str(tmp_path))
    with open(tmp_path / "cs" / "run.json") as f:
        model = TrainingConfig.from_dict(json.load(f)).resolve_model()
    cs_metrics = support.metrics(str(tmp_path / "cs"))

    # This engine continues the C# run from its step-2 checkpoint (on shards made for the same model).
    shards.write_random(str(tmp_path / "shards"), model, train_samples=16, text_tokens=24, seed=5, pad_token_id=2)
    assert support.train_in_process(["--resume", str(tmp_path / "cs" / "checkpoints" / "step_000002"), "--run-dir", str(tmp_path / "py"),
                                     "--shards", str(tmp_path / "shards")]) == 0
    py_metrics = support.metrics(str(tmp_path / "py"))
    assert [m["step"] for m in py_metrics] == [3, 4]
    assert [m["lr"] for m in py_metrics] == [m["lr"] for m in cs_metrics[2:]]  # the schedule goes on where it was
    assert py_metrics[0]["micro_batch"] == 2
    with open(tmp_path / "py" / "checkpoints" / "step_000004" / "trainer_state.json") as f:
        state = json.load(f)
    assert (state["optimizer_steps"], state["data_position"]) == (4, {"epoch": 0, "samples": 8})

    # ... and the C# engine continues this engine's run (started here from scratch) from its step-2 checkpoint.
    config = support.write_config(str(tmp_path / "py2.json"), **{**settings, "model": model.to_dict()})
    assert support.train_in_process(["--run-dir", str(tmp_path / "py2"), "--shards", str(tmp_path / "shards"), "--config", config]) == 0
    csharp("train", "--resume", str(tmp_path / "py2" / "checkpoints" / "step_000002"), "--data", "synthetic:easy",
           "--out", str(tmp_path / "cs2"), "--no-tensorboard", cwd=str(tmp_path))
    resumed = support.metrics(str(tmp_path / "cs2"))
    py2 = support.metrics(str(tmp_path / "py2"))
    assert [m["step"] for m in resumed] == [3, 4]
    assert [m["lr"] for m in resumed] == [m["lr"] for m in py2[2:]]
    assert resumed[0]["tokens_seen"] > py2[1]["tokens_seen"]  # counted on from the checkpoint's count
    assert support.events(str(tmp_path / "cs2"), "state")[-1]["state"] == "completed"
