"""The processes of a run: torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR/PORT) or a single
process, the device each one uses, and the few collectives the trainer needs (gloo on CPUs, nccl on CUDA)."""
from __future__ import annotations

import datetime
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass
class World:
    rank: int
    size: int
    local_rank: int
    device: torch.device
    object_group: object = None  # a gloo group for Python objects when the tensor backend is nccl

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1

    def all_reduce_sum(self, values: torch.Tensor) -> torch.Tensor:
        if self.distributed:
            dist.all_reduce(values, op=dist.ReduceOp.SUM)
        return values

    def all_reduce_max(self, values: torch.Tensor) -> torch.Tensor:
        if self.distributed:
            dist.all_reduce(values, op=dist.ReduceOp.MAX)
        return values

    def broadcast_object(self, value):
        """Rank 0's value on every rank."""
        if not self.distributed:
            return value
        holder = [value if self.is_main else None]
        dist.broadcast_object_list(holder, src=0, group=self.object_group)
        return holder[0]

    def broadcast_tensors_(self, tensors: list[torch.Tensor]) -> None:
        """Overwrites each tensor with rank 0's, in place (weights and optimizer moments after a restore)."""
        if self.distributed:
            for tensor in tensors:
                if tensor.device == self.device:
                    dist.broadcast(tensor.data, src=0)
                else:  # nccl broadcasts device tensors only (the rotary frequencies live on the CPU)
                    on_device = tensor.detach().to(self.device)
                    dist.broadcast(on_device, src=0)
                    tensor.data.copy_(on_device.to(tensor.device))

    def close(self) -> None:
        if self.distributed and dist.is_initialized():
            dist.destroy_process_group()


def resolve_device(setting: str, local_rank: int) -> torch.device:
    setting = (setting or "cpu").lower()
    if setting == "auto":
        setting = "cuda" if torch.cuda.is_available() else "cpu"
    if setting == "cpu":
        return torch.device("cpu")
    if setting.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(f"device {setting} was asked for but this PyTorch sees no CUDA device "
                             f"(torch {torch.__version__}, CUDA build: {torch.version.cuda is not None}). Install a CUDA build of "
                             "PyTorch on a GPU machine, or use --device cpu.")
        # Under torchrun each process takes the GPU of its local rank; an explicit cuda:N is honoured in a single process.
        index = local_rank if setting == "cuda" else int(setting.split(":", 1)[1])
        torch.cuda.set_device(index)
        return torch.device("cuda", index)
    raise ValueError(f"device must be auto, cpu, cuda or cuda:N (got {setting!r}).")


def start(device_setting: str, timeout_minutes: float = 30) -> World:
    """Joins the process group when launched by torchrun (WORLD_SIZE > 1), else a world of one."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = resolve_device(device_setting, local_rank)
    if size == 1:
        return World(0, 1, 0, device)
    backend = "nccl" if device.type == "cuda" else "gloo"
    dist.init_process_group(backend=backend, timeout=datetime.timedelta(minutes=timeout_minutes))
    object_group = dist.new_group(backend="gloo") if backend == "nccl" else None
    return World(rank, size, local_rank, device, object_group)
