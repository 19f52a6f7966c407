"""One optimizer step over every process (the C# engine's OptimizerStep.Run, distributed):

1. set the learning rates;
2. for each of the accumulated micro-batches, every process takes its rows of the global micro-batch, runs forward in
   the run's precision and backward of its share of the global token mean (DDP averages the gradients at the last
   micro-batch);
3. unscale, then ONE all-reduce: the loss, the gradient norm, whether anything was non-finite on any process, and
   whether any process was asked to stop; every process reads the same numbers, so all of them take the same path;
4. clip and update, or back the fp16 loss scale off, or report a failure for the NaN guard.

The loss is the global token mean: the cross-entropy summed over every labelled position of the global micro-batch
divided by their count, so 2 processes x batch 4 compute what 1 process x batch 8 computes. With accumulation, the
step's loss is the mean of its micro-batches' losses, as in the C# engine.
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field

import torch

from . import guard as guards
from . import loss_scaling, precision as precisions
from .session import Session

APPLIED, SCALE_BACKED_OFF, FAILED = "applied", "scale backed off", "failed"


@dataclass
class StepResult:
    status: str
    loss: float
    grad_norm: float
    tokens: int
    images: int
    loss_scale: float | None
    learning_rates: dict[str, float]
    cancel_requested: bool
    headroom: list[dict] | None = None
    failure: guards.FailureContext | None = None
    batches: list = field(default_factory=list)


class FaultInjector:
    """Tests only (`--inject-fault nan-weights@STEP`): before step STEP's forward passes, the first time the run
    reaches it, one weight of every process becomes NaN: a divergence, exactly as a NaN update would leave it."""

    def __init__(self, spec: str):
        kind, _, step = spec.partition("@")
        if kind != "nan-weights" or not step.isdigit():
            raise ValueError(f"--inject-fault must be nan-weights@STEP (got {spec!r}).")
        self.step = int(step)
        self.fired = False

    def arm(self, step: int, model) -> None:
        if step == self.step and not self.fired:
            self.fired = True
            with torch.no_grad():
                model.decoder.blocks[0].mlp.down_proj.weight[0, 0] = float("nan")


def run(session: Session, cancel_requested: bool, measure_headroom: bool, faults: FaultInjector | None = None) -> StepResult:
    model, world, device = session.model, session.world, session.device
    learning_rates = session.learning_rates()
    loss_scale = session.scaler.scale
    if faults is not None:
        faults.arm(session.step, model)

    batches = []
    loss_share = torch.zeros((), device=device)
    probes: list[guards.ModuleActivation] = []
    for micro in range(session.grad_accum):
        batch = session.stream.next_global_batch(session.micro_batch, world.size)
        batches.append(batch)
        rows = batch.rows_of(world.rank).to(device)
        labelled = batch.labelled_tokens  # over every process: known to each from the shards, no communication
        last = micro == session.grad_accum - 1
        sync = contextlib.nullcontext() if last or not world.distributed else session.ddp_model.no_sync()
        with sync:
            with precisions.enter(session.precision, model, device):
                probe = guards.ActivationProbe(model) if measure_headroom else None
                try:
                    hidden = session.ddp_model(rows.input_ids, rows.pixels, rows.attention_mask)
                    loss_sum, _ = model.loss_sum(hidden, rows.labels)
                    if probe is not None:
                        probes += probe.read()
                finally:
                    if probe is not None:
                        probe.close()
            share = loss_sum / max(labelled, 1)  # this process's part of the micro-batch's global token mean
            # DDP averages gradients over the processes, hence x world size; accumulation averages micro-batches.
            session.scaler.scale_loss(share * (world.size / session.grad_accum)).backward()
        loss_share += share.detach().float()

    session.scaler.unscale(session.optimizer)
    parameters = [p for p in session.optimizer.parameters if p.grad is not None]
    local_norm = torch.linalg.vector_norm(torch.stack([p.grad.detach().float().norm() for p in parameters])) if parameters else torch.zeros((), device=device)
    local_share = loss_share / session.grad_accum
    # The step's one all-reduce: [loss, gradient norm / world, non-finite loss anywhere, non-finite gradients anywhere, stop requested].
    stats = torch.stack([
        local_share,
        local_norm / world.size,
        (~torch.isfinite(local_share)).float(),
        (~torch.isfinite(local_norm)).float(),
        torch.tensor(1.0 if cancel_requested else 0.0, device=device),
    ]).double()
    loss, grad_norm, bad_loss, bad_gradients, cancel = world.all_reduce_sum(stats).cpu().tolist()
    loss_finite = bad_loss == 0 and math.isfinite(loss)
    gradients_finite = bad_gradients == 0 and math.isfinite(grad_norm)

    tokens = sum(b.tokens for b in batches)
    images = sum(b.tiles for b in batches)
    headroom = _headroom(probes, model, world) if measure_headroom else None
    reported_scale = loss_scale if session.scaler.enabled else None

    def result(status: str, failure: guards.FailureContext | None = None) -> StepResult:
        return StepResult(status, loss, grad_norm, tokens, images, reported_scale, learning_rates, cancel > 0, headroom, failure, batches)

    def failed(symptom: str) -> StepResult:
        session.optimizer.zero_grad()
        return result(FAILED, guards.FailureContext(session.step, symptom, session.precision, loss_scale, session.scaler.enabled,
                                                    learning_rates, batches))

    if not loss_finite:
        return failed("loss")
    outcome = session.scaler.update(gradients_finite)
    if outcome == loss_scaling.SKIP_AND_BACK_OFF:
        session.optimizer.zero_grad()
        return result(SCALE_BACKED_OFF)
    if outcome == loss_scaling.BELOW_MINIMUM:
        return failed("loss scale floor" if session.scaler.enabled else "gradients")

    max_norm = session.config.max_grad_norm
    if max_norm > 0 and grad_norm > max_norm:
        coefficient = max_norm / (grad_norm + 1e-6)
        with torch.no_grad():
            for p in parameters:
                p.grad.mul_(coefficient)
    session.optimizer.step(learning_rates)
    session.optimizer.zero_grad()
    return result(APPLIED)


def _headroom(calls: list[guards.ModuleActivation], model, world) -> list[dict]:
    """Each module's largest |output| over every process (a second all-reduce, on headroom steps only)."""
    names = [n for n, _ in model.named_modules() if n]
    local = guards.max_per_module(calls)
    values = torch.tensor([local.get(n, -1.0) for n in names], dtype=torch.float64, device=world.device)
    values = torch.nan_to_num(values, nan=math.inf)
    maxima = world.all_reduce_max(values).cpu().tolist()
    return guards.headroom({n: v for n, v in zip(names, maxima) if v >= 0})
