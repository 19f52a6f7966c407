import struct

import pytest
import torch

from nanovlm_distributed import safetensors_io


def test_every_dtype_round_trips_with_metadata(tmp_path):
    tensors = {
        "f32": torch.randn(3, 4),
        "bf16": torch.randn(5).to(torch.bfloat16),
        "f16": torch.randn(2, 2).half(),
        "i64": torch.arange(7),
        "u8": torch.arange(4, dtype=torch.uint8),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
    }
    path = tmp_path / "t.safetensors"
    safetensors_io.save(path, tensors, {"format": "pt"})
    loaded = safetensors_io.load(path)
    assert sorted(loaded) == sorted(tensors)
    for name, tensor in tensors.items():
        assert loaded[name].dtype == tensor.dtype and torch.equal(loaded[name], tensor), name
    assert safetensors_io.read_metadata(path) == {"format": "pt"}
    assert not list(tmp_path.glob("*.partial-*"))


def test_rows_reads_only_a_slice(tmp_path):
    pixels = torch.randn(6, 3, 4, 4)
    path = tmp_path / "p.safetensors"
    safetensors_io.save(path, {"pixel_values": pixels})
    file = safetensors_io.SafetensorsFile(path)
    assert torch.equal(file.rows("pixel_values", 2, 5), pixels[2:5])
    with pytest.raises(safetensors_io.SafetensorsError, match="outside its 6 rows"):
        file.rows("pixel_values", 4, 7)


def test_a_truncated_file_is_refused_with_the_tensor_named(tmp_path):
    path = tmp_path / "t.safetensors"
    safetensors_io.save(path, {"weights": torch.randn(100)})
    data = path.read_bytes()
    path.write_bytes(data[:-10])
    with pytest.raises(safetensors_io.SafetensorsError, match="'weights'.*truncated"):
        safetensors_io.load(path)


def test_a_file_that_is_not_safetensors_is_refused(tmp_path):
    path = tmp_path / "t.safetensors"
    path.write_bytes(struct.pack("<Q", 10 ** 9) + b"{}")
    with pytest.raises(safetensors_io.SafetensorsError, match="not a safetensors file"):
        safetensors_io.load(path)
