"""The safetensors format, read and written by hand (no `safetensors` package on Debian 12).

A file is: an 8-byte little-endian header length N, N bytes of JSON
``{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}`` padded with spaces to a
multiple of 8, then the raw little-endian tensor bytes back to back (offsets are relative to the end of the header).

`SafetensorsFile` reads lazily: a tensor, or a range of rows of one, is read from disk only when asked for, so a
shard holding thousands of image tiles costs no memory until a batch needs them.
"""
from __future__ import annotations

import json
import os
import struct
import uuid
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import torch

_MAX_HEADER_BYTES = 100 * 1024 * 1024
_METADATA_KEY = "__metadata__"

# safetensors dtype name -> (torch dtype, bytes per element)
_DTYPES: dict[str, tuple[torch.dtype, int]] = {
    "F64": (torch.float64, 8),
    "F32": (torch.float32, 4),
    "F16": (torch.float16, 2),
    "BF16": (torch.bfloat16, 2),
    "I64": (torch.int64, 8),
    "I32": (torch.int32, 4),
    "I16": (torch.int16, 2),
    "I8": (torch.int8, 1),
    "U8": (torch.uint8, 1),
    "BOOL": (torch.bool, 1),
}
_NAMES_BY_DTYPE = {dtype: name for name, (dtype, _) in _DTYPES.items()}

# How raw bytes are viewed before becoming a torch tensor (numpy has no bfloat16: read as int16, then reinterpret).
_NUMPY_VIEW = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16, "BF16": np.int16, "I64": np.int64, "I32": np.int32,
    "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_,
}


class SafetensorsError(ValueError):
    """A file that is not valid safetensors, with the file and tensor named."""


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: str
    shape: tuple[int, ...]
    begin: int
    end: int

    @property
    def element_size(self) -> int:
        return _DTYPES[self.dtype][1]

    @property
    def row_bytes(self) -> int:
        """Bytes of one index along the first dimension."""
        size = self.element_size
        for dim in self.shape[1:]:
            size *= dim
        return size


class SafetensorsFile:
    """An open safetensors file: its header, and tensors read on demand."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = os.fspath(path)
        self.entries, self.metadata, self._data_start = _read_header(self.path)

    def __contains__(self, name: str) -> bool:
        return name in self.entries

    def keys(self) -> list[str]:
        return list(self.entries)

    def tensor(self, name: str) -> torch.Tensor:
        entry = self._entry(name)
        return self._read(entry, entry.begin, entry.end, entry.shape)

    def rows(self, name: str, start: int, stop: int) -> torch.Tensor:
        """Rows ``start:stop`` along the first dimension, reading only their bytes."""
        entry = self._entry(name)
        if not entry.shape:
            raise SafetensorsError(f"{self.path}: tensor '{name}' is a scalar; it has no rows.")
        if not 0 <= start <= stop <= entry.shape[0]:
            raise SafetensorsError(f"{self.path}: rows {start}:{stop} of '{name}' fall outside its {entry.shape[0]} rows.")
        row = entry.row_bytes
        return self._read(entry, entry.begin + start * row, entry.begin + stop * row, (stop - start, *entry.shape[1:]))

    def _entry(self, name: str) -> TensorEntry:
        try:
            return self.entries[name]
        except KeyError:
            raise SafetensorsError(f"{self.path} has no tensor '{name}' (it has: {', '.join(self.entries) or 'none'}).") from None

    def _read(self, entry: TensorEntry, begin: int, end: int, shape: tuple[int, ...]) -> torch.Tensor:
        count = end - begin
        with open(self.path, "rb") as f:
            f.seek(self._data_start + begin)
            raw = f.read(count)
        if len(raw) != count:
            raise SafetensorsError(f"{self.path}: tensor '{entry.name}' is truncated ({len(raw)} of {count} bytes).")
        array = np.frombuffer(raw, dtype=_NUMPY_VIEW[entry.dtype]).copy()  # writable, owned by the tensor
        result = torch.from_numpy(array)
        if entry.dtype == "BF16":
            result = result.view(torch.bfloat16)
        return result.reshape(shape)


def load(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """Every tensor of the file, on the CPU, in its stored dtype."""
    file = SafetensorsFile(path)
    return {name: file.tensor(name) for name in file.entries}


def read_metadata(path: str | os.PathLike[str]) -> dict[str, str]:
    return dict(SafetensorsFile(path).metadata)


def save(path: str | os.PathLike[str], tensors: Mapping[str, torch.Tensor], metadata: Mapping[str, str] | None = None) -> None:
    """Writes the tensors atomically (a temporary file beside the target, fsynced, then renamed over it).

    Tensors are laid out by element size (largest first), then by name, as the reference library and the C# engine do.
    """
    path = os.fspath(path)
    ordered = sorted(tensors.items(), key=lambda item: (-item[1].element_size(), item[0]))
    header: dict[str, object] = {}
    if metadata:
        header[_METADATA_KEY] = {str(k): str(v) for k, v in metadata.items()}
    offset = 0
    blobs: list[bytes] = []
    for name, tensor in ordered:
        if tensor.dtype not in _NAMES_BY_DTYPE:
            raise SafetensorsError(f"tensor '{name}' has dtype {tensor.dtype}, which safetensors writing here does not support.")
        blob = _to_bytes(tensor)
        header[name] = {"dtype": _NAMES_BY_DTYPE[tensor.dtype], "shape": list(tensor.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * ((8 - len(header_bytes) % 8) % 8)

    temporary = f"{path}.partial-{uuid.uuid4().hex}"
    try:
        with open(temporary, "xb") as f:
            f.write(struct.pack("<Q", len(header_bytes)))
            f.write(header_bytes)
            for blob in blobs:
                f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def _to_bytes(tensor: torch.Tensor) -> bytes:
    cpu = tensor.detach().to("cpu").contiguous()
    if cpu.dtype == torch.bfloat16:
        cpu = cpu.view(torch.int16)
    return cpu.numpy().tobytes()


def _read_header(path: str) -> tuple[dict[str, TensorEntry], dict[str, str], int]:
    size = os.path.getsize(path)
    if size < 8:
        raise SafetensorsError(f"{path}: not a safetensors file (only {size} bytes).")
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        if length < 2 or length > _MAX_HEADER_BYTES or length > size - 8:
            raise SafetensorsError(f"{path}: not a safetensors file (header length {length} for a {size}-byte file).")
        raw = f.read(length)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SafetensorsError(f"{path}: the safetensors header is not valid JSON: {e}") from e
    if not isinstance(header, dict):
        raise SafetensorsError(f"{path}: the safetensors header is not a JSON object.")

    data_start = 8 + length
    data_length = size - data_start
    metadata = {str(k): str(v) for k, v in (header.pop(_METADATA_KEY, None) or {}).items()}
    entries: dict[str, TensorEntry] = {}
    for name, value in header.items():
        entries[name] = _parse_entry(path, name, value, data_length)
    spans = sorted((e.begin, e.end, e.name) for e in entries.values() if e.end > e.begin)
    for (_, previous_end, previous), (begin, _, current) in zip(spans, spans[1:]):
        if begin < previous_end:
            raise SafetensorsError(f"{path}: tensors '{previous}' and '{current}' overlap.")
    return entries, metadata, data_start


def _parse_entry(path: str, name: str, value: object, data_length: int) -> TensorEntry:
    def bad(why: str) -> SafetensorsError:
        return SafetensorsError(f"{path}: tensor '{name}': {why}")

    if not isinstance(value, dict):
        raise bad("malformed header entry (not an object).")
    dtype = value.get("dtype")
    if dtype not in _DTYPES:
        raise bad(f"unsupported dtype {dtype} (supported: {', '.join(_DTYPES)}).")
    shape = value.get("shape")
    offsets = value.get("data_offsets")
    if not isinstance(shape, list) or any(not isinstance(d, int) or d < 0 for d in shape):
        raise bad(f"malformed shape {shape}.")
    if not isinstance(offsets, list) or len(offsets) != 2 or any(not isinstance(o, int) for o in offsets):
        raise bad("data_offsets must be [begin, end].")
    begin, end = offsets
    if begin < 0 or end < begin or end > data_length:
        raise bad(f"data_offsets [{begin}, {end}] fall outside the {data_length}-byte data section (truncated file?).")
    expected = int(np.prod(shape, dtype=np.int64)) * _DTYPES[dtype][1]
    if end - begin != expected:
        raise bad(f"holds {end - begin} bytes but {dtype} {shape} needs {expected}.")
    return TensorEntry(name, dtype, tuple(shape), begin, end)
