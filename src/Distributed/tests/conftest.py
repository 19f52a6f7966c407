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
