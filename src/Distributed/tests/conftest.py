"""Test set-up: the package is imported from src/Distributed (no installation needed), torch runs on 1 thread so
that several tests and DDP workers do not fight over the cores."""
import os
import sys

import pytest
import torch

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPOSITORY_ROOT = os.path.dirname(os.path.dirname(PACKAGE_ROOT))
REFERENCE_CASES = os.path.join(REPOSITORY_ROOT, "tests", "reference-cases")
sys.path.insert(0, PACKAGE_ROOT)

torch.set_num_threads(1)


@pytest.fixture
def package_root() -> str:
    return PACKAGE_ROOT


@pytest.fixture(scope="session")
def clean_shards(tmp_path_factory) -> str:
    """24 train and 8 validation samples for the tiny reference-case model, answers of 1 to 4 tokens."""
    import support
    return support.make_shards(str(tmp_path_factory.mktemp("clean") / "shards"), support.tiny_model(), train=24, validation=8,
                               varied_answers=True)


@pytest.fixture(scope="session")
def nan_shards(tmp_path_factory) -> str:
    """The same shape, with a NaN pixel in train sample 10: step 2's micro-batch, the rows of process 1 of 2."""
    import support
    return support.make_shards(str(tmp_path_factory.mktemp("nan") / "shards"), support.tiny_model(), train=24, validation=8,
                               varied_answers=True, nan_samples=(10,))


DDP_SETTINGS = dict(max_steps=5, checkpoint_interval=2)


@pytest.fixture(scope="session")
def one_process_run(tmp_path_factory, clean_shards) -> str:
    """5 steps of 1 process x batch 4 on the clean shards (fp32, seed 3)."""
    import support
    folder = tmp_path_factory.mktemp("one")
    config = support.write_config(str(folder / "run.json"), **DDP_SETTINGS)
    assert support.train_in_process(["--run-dir", str(folder / "run"), "--shards", clean_shards, "--config", config]) == 0
    return str(folder / "run")


@pytest.fixture(scope="session")
def two_process_run(tmp_path_factory, clean_shards) -> str:
    """The same run under torchrun: 2 processes x batch 2 over gloo."""
    import support
    folder = tmp_path_factory.mktemp("two")
    config = support.write_config(str(folder / "run.json"), **DDP_SETTINGS)
    result = support.train(["--run-dir", str(folder / "run"), "--shards", clean_shards, "--config", config, "--batch-size", "2"], processes=2)
    assert result.returncode == 0, result.stdout + result.stderr
    return str(folder / "run")
