"""One home for precision: what a requested mode computes in on a device, how a forward pass enters it, and what a
run that overflowed switches to. The same rules as the C# engine's `DeviceCapabilities` and `PrecisionScope`.

Compute precisions: "fp32"; "bf16" (autocast); "fp16" (autocast on CUDA, with torch.cuda.amp.GradScaler);
"fp16-emulated" (fp16 rehearsed on a CPU: float32 compute with every value an fp16 autocast run holds in float16
rounded through float16, so overflows happen where they would on a GPU; libtorch has no fast fp16 GEMM on CPUs).
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch
from torch import nn

FP16_MAX = 65504.0
# On a CPU, "auto" picks bf16 only for decoders at least this wide (measured by the C# engine: below it autocast's
# casts cost more than bf16's faster matrix products; see DeviceCapabilities.CpuBf16MinWidth).
CPU_BF16_MIN_WIDTH = 256


def cpu_has_fast_bf16() -> bool:
    """avx512_bf16 or AMX (the CPU flags that make bf16 matrix products faster than fp32)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return "avx512_bf16" in flags or "amx_bf16" in flags
    except OSError:
        pass
    return False


@dataclass(frozen=True)
class DeviceCapabilities:
    is_cuda: bool
    bf16_fast: bool

    @staticmethod
    def detect(device: torch.device) -> "DeviceCapabilities":
        if device.type == "cuda":
            return DeviceCapabilities(True, torch.cuda.is_bf16_supported())
        return DeviceCapabilities(False, cpu_has_fast_bf16())

    def resolve(self, mode: str, lm_hidden_dim: int | None = None) -> str:
        if mode == "fp32":
            return "fp32"
        if mode == "bf16":
            return "bf16"
        if mode == "fp16":
            return "fp16" if self.is_cuda else "fp16-emulated"
        if mode == "auto":
            wide_enough = self.is_cuda or lm_hidden_dim is None or lm_hidden_dim >= CPU_BF16_MIN_WIDTH
            return "bf16" if self.bf16_fast and wide_enough else "fp32"
        raise ValueError(f"precision must be auto, fp32, bf16 or fp16 (got {mode!r}).")

    def wider(self, current: str) -> str | None:
        """Where a run that overflowed goes: fp16 -> bf16 where fast, else fp32; bf16 -> fp32; fp32 -> nothing."""
        if current in ("fp16", "fp16-emulated"):
            return "bf16" if self.bf16_fast else "fp32"
        if current == "bf16":
            return "fp32"
        return None


def is_fp16(precision: str) -> bool:
    return precision in ("fp16", "fp16-emulated")


def round_through_fp16(x: torch.Tensor) -> torch.Tensor:
    """float32 values rounded through float16 (beyond +-65504 they become +-inf), as part of the graph."""
    return x.half().float() if x.dtype == torch.float32 else x


@contextlib.contextmanager
def fp16_emulation(model: nn.Module):
    """Rounds the inputs and outputs of every Linear and Conv2d through float16 while active (what fp16 autocast
    holds in float16). Gradients flowing back through those points are rounded too, so loss scaling matters."""
    handles = []
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            handles.append(module.register_forward_pre_hook(lambda _m, inputs: tuple(round_through_fp16(x) for x in inputs)))
            handles.append(module.register_forward_hook(lambda _m, _i, output: round_through_fp16(output)))
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def enter(precision: str, model: nn.Module, device: torch.device):
    """The context a forward pass runs in for a compute precision."""
    if precision == "fp32":
        return contextlib.nullcontext()
    if precision == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    if precision == "fp16":
        if device.type != "cuda":
            raise ValueError("fp16 autocast needs a CUDA device; on a CPU fp16 is emulated (precision fp16-emulated).")
        return torch.autocast(device_type="cuda", dtype=torch.float16)
    if precision == "fp16-emulated":
        return fp16_emulation(model)
    raise ValueError(f"unknown compute precision {precision!r}.")
