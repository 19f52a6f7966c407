"""A worker that dies mid-run, and a run cancelled with SIGTERM, under torchrun with 2 processes."""
import json
import os
import signal
import time

import support
from nanovlm_distributed import checkpoint

# Slow enough steps (4 accumulated micro-batches) that the signal lands mid-run.
SETTINGS = dict(max_steps=12, grad_accum=4, checkpoint_interval=2)


def wait_for_metrics(run_dir: str, count: int, process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(support.metrics(run_dir)) < count:
        assert process.poll() is None, f"the run ended early:\n{process.stdout.read()}"
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.02)


def worker_pid(launcher_pid: int, rank: int) -> int:
    """The pid of torchrun's worker with RANK=rank (read from /proc: the workers are the launcher's children)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/environ", "rb") as f:
                environment = f.read().split(b"\0")
        except OSError:
            continue
        if parent == launcher_pid and f"RANK={rank}".encode() in environment:
            return int(entry)
    raise AssertionError(f"no worker with RANK={rank} under process {launcher_pid}")


def start_run(tmp_path, shards, name):
    config = support.write_config(str(tmp_path / f"{name}.json"), **SETTINGS)
    run_dir = str(tmp_path / name)
    process = support.start(["--run-dir", run_dir, "--shards", shards, "--config", config, "--batch-size", "2"], processes=2)
    return process, run_dir, config


def test_a_killed_worker_fails_the_run_keeps_what_was_written_and_resume_continues(tmp_path, clean_shards):
    process, run_dir, config = start_run(tmp_path, clean_shards, "killed")
    try:
        wait_for_metrics(run_dir, 3, process)
        os.kill(worker_pid(process.pid, 1), signal.SIGKILL)
        output, _ = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode != 0
    assert "exitcode  : -9" in output  # torchrun names the killed worker

    [*_, final] = support.events(run_dir, "state")
    metrics = support.metrics(run_dir)  # every line written is whole
    assert final["state"] == "failed" and "lost contact with another process of the run" in final["reason"]
    assert final["step"] == metrics[-1]["step"]
    assert [m["step"] for m in metrics] == list(range(1, len(metrics) + 1)) and len(metrics) < SETTINGS["max_steps"]

    listed = [c for c in sorted(os.listdir(os.path.join(run_dir, "checkpoints"))) if not c.startswith(".")]
    for name in listed:  # every listed checkpoint is whole (an interrupted write would be a hidden .step_* folder)
        assert os.path.isfile(os.path.join(run_dir, "checkpoints", name, "trainer_state.json"))
        checkpoint.load(os.path.join(run_dir, "checkpoints", name))
    latest = listed[-1]

    # Resume from the newest checkpoint, here on one process with the same global micro-batch of 4.
    resumed = support.train_in_process(["--resume", run_dir, "--shards", clean_shards, "--config", config])
    assert resumed == 0
    steps = [m["step"] for m in support.metrics(run_dir)]
    assert steps[-1] == SETTINGS["max_steps"] and steps[len(metrics)] == int(latest.split("_")[1]) + 1
    assert support.events(run_dir, "state")[-1]["state"] == "completed"


def test_sigterm_to_torchrun_cancels_every_process_after_a_checkpoint(tmp_path, clean_shards):
    process, run_dir, _ = start_run(tmp_path, clean_shards, "cancelled")
    try:
        wait_for_metrics(run_dir, 2, process)
        process.send_signal(signal.SIGTERM)  # what the dashboard's cancel does; torchrun passes it to its workers
        process.communicate(timeout=60)
    finally:
        process.kill()

    [*_, final] = support.events(run_dir, "state")
    assert final["state"] == "cancelled" and final["reason"] == "cancelled by the user."
    last_step = support.metrics(run_dir)[-1]["step"]
    assert last_step < SETTINGS["max_steps"]
    [*_, saved] = support.events(run_dir, "checkpoint")
    assert saved["step"] == final["step"] == last_step
    with open(os.path.join(saved["path"], "trainer_state.json")) as f:
        assert json.load(f)["step"] == last_step


def test_sigterm_to_every_process_at_once_as_slurm_sends_it_still_cancels_after_a_checkpoint(tmp_path, clean_shards):
    # scancel --signal=TERM (the dashboard's cancel of a Slurm run) and #SBATCH --signal=TERM@T signal every process of
    # the job step: the workers, and torchrun, which then passes SIGTERM on to them a second time.
    process, run_dir, _ = start_run(tmp_path, clean_shards, "slurm-cancelled")
    try:
        wait_for_metrics(run_dir, 2, process)
        for rank in (0, 1):
            os.kill(worker_pid(process.pid, rank), signal.SIGTERM)
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)
    finally:
        process.kill()

    [*_, final] = support.events(run_dir, "state")
    assert final["state"] == "cancelled"
    [*_, saved] = support.events(run_dir, "checkpoint")
    assert saved["step"] == final["step"] == support.metrics(run_dir)[-1]["step"]
