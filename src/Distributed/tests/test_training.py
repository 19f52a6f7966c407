"""The training step's semantics (one process), the run folder in the C# engine's format, and exact resume."""
import json
import math
import os

import pytest
import torch
import torch.nn.functional as F

import support
from nanovlm_distributed import checkpoint, safetensors_io
from nanovlm_distributed.model import VisionLanguageModel
from nanovlm_distributed.shards import ShardSet
from nanovlm_distributed.training.schedule import LearningRateSchedule


def run(tmp_path, shards, name="run", extra=(), **config):
    config_path = support.write_config(str(tmp_path / f"{name}.json"), **config)
    run_dir = str(tmp_path / name)
    code = support.train_in_process(["--run-dir", run_dir, "--shards", shards, "--config", config_path, *extra])
    return code, run_dir


def initial_model(seed=3):
    torch.manual_seed(seed)
    return VisionLanguageModel(support.tiny_model())


def token_losses(model, batch):
    """[rows] lists of per-token cross-entropies over each row's labelled positions."""
    with torch.no_grad():
        logits = model.logits(model(batch.input_ids, batch.pixels, batch.attention_mask))
    per_row = []
    for row in range(batch.labels.shape[0]):
        keep = batch.labels[row] != -100
        per_row.append(F.cross_entropy(logits[row][keep], batch.labels[row][keep], reduction="none"))
    return per_row


def test_the_loss_is_the_token_mean_over_the_whole_micro_batch(tmp_path, clean_shards):
    code, run_dir = run(tmp_path, clean_shards, max_steps=1)
    assert code == 0
    reported = support.metrics(run_dir)[0]["loss"]

    rows = token_losses(initial_model(), ShardSet(clean_shards).train.global_batch([0, 1, 2, 3], 4).rows_of(0))
    token_mean = torch.cat(rows).mean().item()
    mean_of_row_means = sum(r.mean().item() for r in rows) / len(rows)
    assert reported == pytest.approx(token_mean, rel=1e-6)
    assert abs(token_mean - mean_of_row_means) > 1e-3  # answers of 1-4 tokens: the two definitions differ here


def test_accumulation_averages_the_micro_batches_as_the_engine_does(tmp_path, clean_shards):
    code, run_dir = run(tmp_path, clean_shards, max_steps=1, batch_size=2, grad_accum=2)
    assert code == 0
    split = ShardSet(clean_shards).train
    model = initial_model()
    micro = [torch.cat(token_losses(model, split.global_batch(ids, 2).rows_of(0))).mean().item() for ids in ([0, 1], [2, 3])]
    assert support.metrics(run_dir)[0]["loss"] == pytest.approx(sum(micro) / 2, rel=1e-6)
    assert support.metrics(run_dir)[0]["micro_batch"] == 2 and support.metrics(run_dir)[0]["grad_accum"] == 2


def test_one_step_is_torch_adamw_over_three_groups_with_clipping(tmp_path, clean_shards):
    code, run_dir = run(tmp_path, clean_shards, max_steps=1, max_grad_norm=0.01, weight_decay=0.1, checkpoint_interval=1)
    assert code == 0
    metrics = support.metrics(run_dir)[0]

    model = initial_model()
    batch = ShardSet(clean_shards).train.global_batch([0, 1, 2, 3], 4).rows_of(0)
    loss = model.loss(model(batch.input_ids, batch.pixels, batch.attention_mask), batch.labels)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 0.01)
    schedule = LearningRateSchedule(1, 0.25, 0.1)
    groups = [{"params": list(getattr(model, part).parameters()), "lr": schedule.at(0, peak)}
              for part, peak in (("MP", 3e-3), ("vision_encoder", 1e-3), ("decoder", 1e-3))]
    torch.optim.AdamW(groups, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1).step()

    assert metrics["grad_norm"] == pytest.approx(norm.item(), rel=1e-5)  # before clipping
    assert metrics["lr"] == {"mp": 3e-3, "vision": 1e-3, "language": 1e-3}
    trained, _ = checkpoint.load(os.path.join(run_dir, "checkpoints", "step_000001"))
    for (name, expected), (_, actual) in zip(model.named_parameters(), trained.named_parameters()):
        assert torch.allclose(actual, expected, atol=1e-7, rtol=1e-5), name


def test_warmup_then_cosine_as_nanovlm_get_lr():
    schedule = LearningRateSchedule(max_steps=100, warmup_fraction=0.03, min_lr_fraction=0.1)
    assert schedule.warmup_steps == 3
    assert [schedule.at(s, 1.0) for s in range(3)] == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert schedule.at(3, 1.0) == pytest.approx(1.0)
    assert schedule.at(100, 1.0) == pytest.approx(0.1)
    assert schedule.at(51.5, 1.0) == pytest.approx(0.1 + 0.5 * (1 + math.cos(math.pi * 48.5 / 97)) * 0.9)


def test_the_run_folder_is_the_csharp_engines_format(tmp_path, clean_shards):
    code, run_dir = run(tmp_path, clean_shards, max_steps=2, eval_interval=2, checkpoint_interval=2, headroom_interval=1)
    assert code == 0

    with open(os.path.join(run_dir, "run.json")) as f:
        run_json = json.load(f)
    assert set(support.csharp_names("TrainingConfig.cs", "TrainingConfig")) <= set(run_json)
    assert run_json["world_size"] == 1 and run_json["model"]["lm_vocab_size"] == 366

    metrics = support.metrics(run_dir)
    metric_names = set(support.csharp_names("TrainingEvents.cs", "MetricsEvent")) | {"type", "step", "time"}
    assert [m["step"] for m in metrics] == [1, 2]
    assert all(set(m) == metric_names for m in metrics)  # headroom is measured every step here
    assert metrics[0]["headroom"][0]["fp16_headroom"] == pytest.approx(65504 / metrics[0]["headroom"][0]["max_abs"])

    events = support.events(run_dir)
    assert [e["type"] for e in events] == ["state", "evaluation", "checkpoint", "evaluation", "checkpoint", "state"]
    assert [e["state"] for e in events if e["type"] == "state"] == ["running", "completed"]
    assert set(events[1]) == set(support.csharp_names("TrainingEvents.cs", "EvaluationEvent")) | {"type", "step", "time"}
    assert set(events[2]) == set(support.csharp_names("TrainingEvents.cs", "CheckpointEvent")) | {"type", "step", "time"}

    folder = os.path.join(run_dir, "checkpoints", "step_000002")
    assert sorted(os.listdir(folder)) == ["config.json", "model.safetensors", "optimizer.safetensors", "trainer_state.json"]
    with open(os.path.join(folder, "trainer_state.json")) as f:
        state = json.load(f)
    assert set(support.csharp_names("TrainerState.cs", "TrainerState")) <= set(state)
    assert state["loss_scaler"] == {"Enabled": False, "Scale": 1.0, "CleanSteps": 0}  # the C# record's own property names
    assert state["data_position"] == {"epoch": 0, "samples": 8} and state["optimizer_steps"] == 2
    best = min((e for e in events if e["type"] == "evaluation"), key=lambda e: e["val_loss"])
    assert state["best"] == {"metric": "val_loss", "value": best["val_loss"], "step": best["step"], "name": f"step_{best['step']:06d}",
                             "val_loss": best["val_loss"]}
    assert state["elapsed_seconds"] >= metrics[-1]["elapsed_seconds"] > 0
    model, warnings = checkpoint.load(folder)
    assert warnings == []
    moments = safetensors_io.load(os.path.join(folder, "optimizer.safetensors"))
    assert sorted(moments) == sorted(f"{n}.{k}" for n, _ in model.named_parameters() for k in ("exp_avg", "exp_avg_sq"))


def test_a_resumed_run_continues_exactly(tmp_path, clean_shards):
    settings = dict(max_steps=4, checkpoint_interval=2, eval_interval=2)
    code, straight = run(tmp_path, clean_shards, "straight", **settings)
    assert code == 0
    config_path = support.write_config(str(tmp_path / "resumed.json"), **settings)
    resumed = str(tmp_path / "resumed")
    code = support.train_in_process(["--run-dir", resumed, "--shards", clean_shards, "--config", config_path,
                                     "--resume", os.path.join(straight, "checkpoints", "step_000002")])
    assert code == 0
    assert [m["step"] for m in support.metrics(resumed)] == [3, 4]
    assert support.losses(resumed) == support.losses(straight)[2:]
    assert support.metrics(resumed)[-1]["tokens_seen"] == support.metrics(straight)[-1]["tokens_seen"]


def test_a_resume_can_continue_in_another_precision_with_half_the_batch(tmp_path, clean_shards):
    settings = dict(max_steps=4, checkpoint_interval=2)
    code, first = run(tmp_path, clean_shards, "first", **settings)
    assert code == 0
    config_path = support.write_config(str(tmp_path / "again.json"), **settings)
    again = str(tmp_path / "again")
    assert support.train_in_process(["--run-dir", again, "--shards", clean_shards, "--config", config_path, "--precision", "bf16",
                                     "--halve-micro-batch", "--resume", os.path.join(first, "checkpoints", "step_000002")]) == 0
    [switch] = support.events(again, "precision_switch")
    assert (switch["from"], switch["to"], switch["micro_batch"], switch["grad_accum"]) == ("fp32", "bf16", 2, 2)
    assert switch["reason"] == "resumed in bf16 with micro-batch 4 -> 2 as asked"
    assert [(m["step"], m["precision"], m["micro_batch"], m["grad_accum"]) for m in support.metrics(again)] == [(3, "bf16", 2, 2), (4, "bf16", 2, 2)]
    assert support.metrics(again)[0]["elapsed_seconds"] > support.metrics(first)[1]["elapsed_seconds"]  # training time goes on


def test_bad_input_is_refused_before_anything_is_written(tmp_path, clean_shards, capsys):
    code, run_dir = run(tmp_path, clean_shards, max_steps=1)
    assert code == 0
    capsys.readouterr()
    assert run(tmp_path, clean_shards, max_steps=1)[0] == 2
    assert "already holds a run; choose another --run-dir, or continue it with --resume" in capsys.readouterr().err

    model = support.tiny_model().to_dict()
    model["mp_pixel_shuffle_factor"], model["mp_image_token_length"] = 4, 4
    code, other = run(tmp_path, clean_shards, "other", max_steps=1, model=model)
    assert code == 2 and not os.path.exists(other)
    assert "the shards reserve 16 tokens per tile, the model makes 4" in capsys.readouterr().err

    assert support.train_in_process(["--run-dir", str(tmp_path / "x"), "--shards", str(tmp_path)]) == 2
    assert "not a shard folder" in capsys.readouterr().err


def test_the_fp16_loss_scaler_backs_off_grows_and_fails_below_its_floor():
    from nanovlm_distributed.training import loss_scaling
    from nanovlm_distributed.training.config import LossScaleConfig
    scaler = loss_scaling.EmulatedLossScaler(LossScaleConfig(initial=8, growth_interval=2, minimum=2))
    scaler.configure(enabled=True)
    assert scaler.update(gradients_finite=False) == loss_scaling.SKIP_AND_BACK_OFF and scaler.scale == 4
    assert [scaler.update(True), scaler.update(True)] == [loss_scaling.APPLY] * 2 and scaler.scale == 8  # grew after 2 clean steps
    assert scaler.update(False) == loss_scaling.SKIP_AND_BACK_OFF and scaler.update(False) == loss_scaling.SKIP_AND_BACK_OFF
    assert scaler.scale == 2 and scaler.update(False) == loss_scaling.BELOW_MINIMUM
    assert scaler.export() == {"Enabled": True, "Scale": 2.0, "CleanSteps": 0}
    scaler.configure(enabled=False)
    assert scaler.scale == 1 and scaler.update(True) == loss_scaling.APPLY and scaler.update(False) == loss_scaling.BELOW_MINIMUM


def test_a_run_json_with_pinned_modules_is_refused_with_what_to_do():
    from nanovlm_distributed.training.config import TrainingConfig
    config = TrainingConfig.from_dict({"pinned_modules": ["decoder.blocks.0.mlp.down_proj"], "nan_policy": "pin"})
    problems = config.validate()
    assert any(p.startswith("pinned_modules:") and "in-process engine" in p for p in problems)
    assert any("nan_policy" in p and "'pin'" in p for p in problems)
    assert TrainingConfig().validate() == [] and TrainingConfig().flight_recorder_steps == 0
