"""The NaN guard's policies in a distributed run: every process learns of a failure from the step's one all-reduce,
rank 0 diagnoses (it can collate every process's rows) and decides, and all processes act alike."""
import pytest

import support
from nanovlm_distributed.training.precision import cpu_has_fast_bf16

# The NaN sample (train-10) is in step 2's global micro-batch (samples 8-11), in the rows of process 1 of 2.
FAILING_ROWS = ["train-10", "train-11"]


def run_two(tmp_path, shards, name, *extra, **config):
    config_path = support.write_config(str(tmp_path / f"{name}.json"), **config)
    run_dir = str(tmp_path / name)
    result = support.train(["--run-dir", run_dir, "--shards", shards, "--config", config_path, "--batch-size", "2", *extra], processes=2)
    return result, run_dir


def nan_alerts(run_dir):
    return [e for e in support.events(run_dir, "alert") if e["kind"] == "nan"]


def test_stop_ends_every_process_with_rank_0s_diagnosis_of_the_other_process_rows(tmp_path, nan_shards):
    result, run_dir = run_two(tmp_path, nan_shards, "stop", max_steps=5, nan_policy="stop")
    assert result.returncode != 0  # torchrun reports the failed workers (exit code 1 each)
    [alert] = nan_alerts(run_dir)
    diagnosis = alert["diagnosis"]
    assert (alert["step"], diagnosis["verdict"], diagnosis["symptom"]) == (2, "data", "loss")
    assert diagnosis["sample_ids"] == FAILING_ROWS and diagnosis["float32_finite"] is False
    assert diagnosis["float32_module"] == "vision_encoder.patch_embedding.conv"
    assert alert["action"] == "stopped: nan_policy is stop: data at step 2."
    assert [m["step"] for m in support.metrics(run_dir)] == [1, 2]
    assert support.events(run_dir, "state")[-1]["state"] == "failed"


def test_skip_drops_the_update_on_every_process_as_one_process_does(tmp_path, nan_shards):
    result, run_dir = run_two(tmp_path, nan_shards, "skip", max_steps=5, nan_policy="skip")
    assert result.returncode == 0, result.stdout
    config = support.write_config(str(tmp_path / "one.json"), max_steps=5, nan_policy="skip")
    assert support.train_in_process(["--run-dir", str(tmp_path / "one"), "--shards", nan_shards, "--config", config]) == 0

    two, one = support.metrics(run_dir), support.metrics(str(tmp_path / "one"))
    assert [m["step"] for m in two] == [1, 2, 4, 5]  # step 3 (index 2) was dropped
    assert [m["skipped"] for m in two] == [0, 0, 1, 1]
    assert [m["loss"] for m in two] == pytest.approx([m["loss"] for m in one], rel=1e-5)
    [alert] = nan_alerts(run_dir)
    assert alert["action"].startswith("skipped update: nan_policy is skip: update of step 2 dropped (data)")
    assert support.events(run_dir, "state")[-1]["state"] == "completed"


def test_recover_rolls_every_process_back_after_a_divergence(tmp_path, clean_shards, two_process_run):
    # A NaN weight planted on every process before step 3 (index 3): what a diverged update leaves behind.
    result, run_dir = run_two(tmp_path, clean_shards, "recover", "--inject-fault", "nan-weights@3", max_steps=5,
                              checkpoint_interval=2, nan_policy="recover")
    assert result.returncode == 0, result.stdout
    [alert] = nan_alerts(run_dir)
    assert alert["diagnosis"]["verdict"] == "divergence"
    assert alert["diagnosis"]["non_finite_parameters"] == ["decoder.blocks.0.mlp.down_proj.weight"]
    assert alert["action"].startswith("rolled back: weights diverged")
    [rollback] = support.events(run_dir, "rollback")
    assert (rollback["from_step"], rollback["to_step"]) == (3, 2) and rollback["checkpoint"].endswith("step_000002")

    # Step 3 was done before the fault; after the rollback to step 2 both processes replay it and go on: the clean
    # run's numbers, step 3 twice.
    metrics = support.metrics(run_dir)
    clean = support.losses(two_process_run)
    assert [m["step"] for m in metrics] == [1, 2, 3, 3, 4, 5]
    assert [m["loss"] for m in metrics] == pytest.approx(clean[:3] + clean[2:], rel=1e-6)
    assert all(m["precision"] == "fp32+faults" for m in metrics)


def test_a_precision_overflow_rolls_back_and_widens_the_precision(tmp_path, clean_shards):
    # Decoder weights 150x nanoVLM's init: the first step's down_proj outputs pass fp16's 65504 (emulated on this CPU).
    config = support.write_config(str(tmp_path / "run.json"), max_steps=2, precision="fp16", lm_init_std=3.0, nan_policy="recover")
    run_dir = str(tmp_path / "run")
    assert support.train_in_process(["--run-dir", run_dir, "--shards", clean_shards, "--config", config]) == 0

    [alert] = nan_alerts(run_dir)
    diagnosis = alert["diagnosis"]
    assert (diagnosis["verdict"], diagnosis["precision"], diagnosis["float32_finite"]) == ("precision overflow", "fp16-emulated", True)
    assert diagnosis["module"].endswith("mlp.down_proj") and diagnosis["float32_module_output_max_abs"] > 65504
    [switch] = support.events(run_dir, "precision_switch")
    expected = ("bf16", 4, 1) if cpu_has_fast_bf16() else ("fp32", 2, 2)  # fp32 halves the micro-batch, keeps the global batch
    assert (switch["from"], switch["to"], switch["micro_batch"], switch["grad_accum"]) == ("fp16-emulated", *expected)
    assert [m["precision"] for m in support.metrics(run_dir)] == [expected[0]] * 2
    assert support.events(run_dir, "state")[-1]["state"] == "completed"


def test_fp16_gradients_that_overflow_back_the_loss_scale_off_as_gradscaler_does(tmp_path, clean_shards):
    # Decoder weights 50x nanoVLM's init: activations stay finite in fp16, but gradients times 65536 do not.
    config = support.write_config(str(tmp_path / "run.json"), max_steps=2, precision="fp16", lm_init_std=1.0, nan_policy="stop")
    run_dir = str(tmp_path / "run")
    assert support.train_in_process(["--run-dir", run_dir, "--shards", clean_shards, "--config", config]) == 0
    metrics = support.metrics(run_dir)
    assert [(m["loss_scale"], m["skipped"], m["precision"]) for m in metrics] == [(65536, 1, "fp16-emulated"), (32768, 2, "fp16-emulated")]
    overflows = [e for e in support.events(run_dir, "alert") if e["kind"] == "overflow"]
    assert [e["message"] for e in overflows][0].startswith("fp16 gradients overflowed at loss scale 65536; the update was skipped and the scale halved to 32768")
    assert not nan_alerts(run_dir)  # an overflow the scaler absorbs is not a failure, even under nan_policy stop
