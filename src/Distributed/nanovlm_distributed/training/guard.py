"""The NaN guard: the activation probe, the diagnosis of a failing step (first non-finite module and verdict), the
policy decision, and the loss-spike detector. Ports of the C# engine's Training/Guard, with the same verdicts,
messages and event fields, so the dashboard shows a distributed run's failures as it shows an in-process one's.

In a distributed run, every process learns that a step failed from the step's one all-reduce; rank 0 then diagnoses
(it can collate every process's rows of the failing micro-batches) and decides, and the decision is broadcast.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import torch
from torch import nn

from . import precision as precisions

PRECISION_OVERFLOW, DATA, DIVERGENCE = "precision overflow", "data", "divergence"
STOP, SKIP_UPDATE, ROLL_BACK = "stop", "skip", "rollback"
_MAX_NAMED_PARAMETERS = 5


@dataclass
class ModuleActivation:
    module: str
    input_max_abs: float
    output_max_abs: float
    output_finite: bool


def _max_abs(value: torch.Tensor) -> torch.Tensor:
    """max |t| from the largest and smallest value (NaN and inf propagate)."""
    if value.numel() == 0:
        return torch.zeros((), device=value.device)
    detached = value.detach()
    return torch.maximum(detached.max().abs(), detached.min().abs()).float()


class ActivationProbe:
    """Watches every module that takes one tensor and returns one (linear layers, convolutions, norms, MLPs, ViT
    blocks, embeddings, projector): largest |input| and |output| of each call, in the order calls finish."""

    def __init__(self, model: nn.Module):
        self._calls: list[tuple[str, torch.Tensor, torch.Tensor]] = []
        self._handles = []
        for name, module in model.named_modules():
            if name:
                self._handles.append(module.register_forward_hook(self._observer(name)))

    def _observer(self, name: str):
        def observe(_module, inputs, output):
            if len(inputs) == 1 and isinstance(inputs[0], torch.Tensor) and isinstance(output, torch.Tensor):
                with torch.no_grad():
                    self._calls.append((name, _max_abs(inputs[0]), _max_abs(output)))
        return observe

    def read(self) -> list[ModuleActivation]:
        if not self._calls:
            return []
        inputs = torch.stack([c[1] for c in self._calls]).double().cpu().tolist()
        outputs = torch.stack([c[2] for c in self._calls]).double().cpu().tolist()
        return [ModuleActivation(c[0], i, o, math.isfinite(o)) for c, i, o in zip(self._calls, inputs, outputs)]

    def close(self) -> None:
        for handle in self._handles:
            handle.remove()

    def __enter__(self) -> "ActivationProbe":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def max_per_module(calls: list[ModuleActivation]) -> dict[str, float]:
    result: dict[str, float] = {}
    for call in calls:
        value = call.output_max_abs if call.output_finite else math.inf
        result[call.module] = max(result.get(call.module, -math.inf), value)
    return result


def headroom(maxima: dict[str, float]) -> list[dict]:
    """The metrics event's `headroom`: every observed module's fp16 headroom, largest |activation| first."""
    ordered = sorted(maxima.items(), key=lambda kv: kv[1], reverse=True)
    return [{"module": m, "max_abs": v, "fp16_headroom": precisions.FP16_MAX / v if v > 0 else math.inf} for m, v in ordered]


def non_finite_parameters(model: nn.Module) -> list[str]:
    names, flags = [], []
    for name, parameter in model.named_parameters():
        names.append(name)
        flags.append(torch.isfinite(parameter.detach()).all())
    finite = torch.stack(flags).cpu().tolist() if flags else []
    return [n for n, ok in zip(names, finite) if not ok][:_MAX_NAMED_PARAMETERS]


@dataclass
class ProbeResult:
    finite: bool
    first_non_finite: ModuleActivation | None
    first_non_finite_gradient: str | None
    calls: list[ModuleActivation]

    def largest_output(self, module: str) -> float | None:
        values = [c.output_max_abs for c in self.calls if c.module == module]
        return max(values) if values else None


def _clear_gradients(model: nn.Module) -> None:
    for parameter in model.parameters():
        parameter.grad = None


def _probe(model, batch, precision: str, loss_scale: float, device: torch.device) -> ProbeResult:
    """Forward and backward of one batch in a precision, watching every module and every gradient."""
    _clear_gradients(model)
    with precisions.enter(precision, model, device), ActivationProbe(model) as probe:
        hidden = model(batch.input_ids, batch.pixels, batch.attention_mask)
        loss = model.loss(hidden, batch.labels)
        calls = probe.read()
    (loss * loss_scale).backward()
    loss_finite = bool(torch.isfinite(loss))
    with_gradients = [(n, p) for n, p in model.named_parameters() if p.grad is not None]
    finite = torch.stack([torch.isfinite(p.grad).all() for _, p in with_gradients]).cpu().tolist() if with_gradients else []
    first_bad_gradient = next((n for (n, _), ok in zip(with_gradients, finite) if not ok), None)
    first_bad_module = next((c for c in calls if not c.output_finite), None)
    _clear_gradients(model)
    return ProbeResult(loss_finite and first_bad_gradient is None and first_bad_module is None, first_bad_module, first_bad_gradient, calls)


def _format(value: float | None) -> str:
    if value is None:
        return "?"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf"
    return f"{value:.3e}"


@dataclass
class FailureContext:
    step: int
    symptom: str  # "loss", "gradients" or "loss scale floor"
    precision: str
    loss_scale: float
    loss_scaled: bool
    learning_rates: dict[str, float]
    batches: list  # shards.GlobalBatch, the step's micro-batches over every process


def diagnose(model, failure: FailureContext, device: torch.device) -> dict:
    """Re-runs the step's micro-batches (each process's rows in turn; the update was not applied) in the run's
    precision to find the rows that fail and where, then those rows in float32 for the verdict. Returns the
    `diagnosis` object of the alert event (C# NanDiagnosisReport)."""
    was_training = model.training
    try:
        broken = non_finite_parameters(model)
        scale = failure.loss_scale if failure.loss_scaled else 1.0
        every_rows = (b.rows_of(rank) for b in failure.batches for rank in range(b.processes))
        in_run, failing_rows = None, None
        for rows in every_rows:
            rows = rows.to(device)
            probe = _probe(model, rows, failure.precision, scale, device)
            if in_run is None or not probe.finite:
                in_run, failing_rows = probe, rows  # the first rows that fail, else the first rows
            if not probe.finite:
                break
        in_float32 = _probe(model, failing_rows, "fp32", 1.0, device)
        run_module = in_run.first_non_finite
        f32_output = None if run_module is None else in_float32.largest_output(run_module.module)

        if broken:
            verdict = DIVERGENCE
            explanation = (f"Weights were already non-finite before step {failure.step} ({', '.join(broken)}): the optimisation diverged. "
                           "Lower the learning rate (or warm up longer).")
        elif in_float32.finite:
            verdict = PRECISION_OVERFLOW
            if run_module is not None:
                beyond = f", beyond fp16's largest value {precisions.FP16_MAX:.0f}." if f32_output is not None and f32_output > precisions.FP16_MAX else "."
                explanation = (f"In {failure.precision} the output of {run_module.module} is non-finite (its input max |a| = {_format(run_module.input_max_abs)}); "
                               f"in float32 the same batch is finite, that output's max |a| being {_format(f32_output)}{beyond} Use bf16 (same range as float32) or float32.")
            else:
                explanation = (f"In {failure.precision} the {failure.symptom} overflowed (first in the gradient of {in_run.first_non_finite_gradient or '?'}) "
                               "while float32 is finite: the loss scale cannot keep the gradients in fp16's range. Use bf16 or float32.")
        else:
            verdict = DATA
            first = in_float32.first_non_finite.module if in_float32.first_non_finite else "none; the gradients"
            explanation = (f"float32 fails on this batch too (first non-finite output: {first}), so the samples themselves carry non-finite "
                           f"or absurd values: {', '.join(failing_rows.sample_ids)}.")
        return {
            "verdict": verdict,
            "explanation": explanation,
            "failed_step": failure.step,
            "sample_ids": failing_rows.sample_ids,
            "lr": failure.learning_rates,
            "loss_scale": failure.loss_scale if failure.loss_scaled else None,
            "precision": failure.precision,
            "symptom": failure.symptom,
            "module": run_module.module if run_module else None,
            "module_input_max_abs": run_module.input_max_abs if run_module else None,
            "module_output_max_abs": run_module.output_max_abs if run_module else None,
            "float32_module_output_max_abs": f32_output,
            "float32_finite": in_float32.finite,
            "float32_module": in_float32.first_non_finite.module if in_float32.first_non_finite else None,
            "non_finite_parameters": broken,
        }
    finally:
        _clear_gradients(model)
        model.train(was_training)


def signature(diagnosis: dict) -> str:
    """Whether two failures are "the same": verdict and where."""
    return f"{diagnosis['verdict']}|{_where(diagnosis)}"


def _where(d: dict) -> str:
    return d.get("module") or d.get("float32_module") or (d["non_finite_parameters"][0] if d.get("non_finite_parameters") else None) or d["symptom"]


@dataclass
class GuardDecision:
    action: str
    reason: str
    switch_to: str | None = None
    micro_batch: int | None = None
    grad_accum: int | None = None


@dataclass
class NanGuard:
    """Applies the run's NaN policy to a diagnosed failure (C# NanGuard). Under `recover`: a precision overflow rolls
    back and widens the precision (fp16 -> bf16 where fast, else fp32 with half the per-process batch and twice the
    accumulation, so the global batch is unchanged); a data failure drops that step's update; a divergence rolls
    back. The same failure `max_repeated_failures` times stops the run."""

    policy: str
    max_repeated_failures: int
    capabilities: precisions.DeviceCapabilities
    failures: dict[str, int] = field(default_factory=dict)

    def decide(self, diagnosis: dict, current: str, micro_batch: int, grad_accum: int, can_roll_back: bool) -> GuardDecision:
        key = signature(diagnosis)
        seen = self.failures[key] = self.failures.get(key, 0) + 1
        verdict, step = diagnosis["verdict"], diagnosis["failed_step"]
        if self.policy == "stop":
            return GuardDecision(STOP, f"nan_policy is stop: {verdict} at step {step}.")
        if self.policy == "skip":
            if verdict == DIVERGENCE:
                return GuardDecision(STOP, "the weights are already non-finite, so skipping updates cannot help; stopping.")
            return GuardDecision(SKIP_UPDATE, f"nan_policy is skip: update of step {step} dropped ({verdict}).")
        if seen >= self.max_repeated_failures:
            return GuardDecision(STOP, f"the same failure ({verdict} at {_where(diagnosis)}) happened {seen} times; stopping.")
        if verdict == DATA:
            return GuardDecision(SKIP_UPDATE, f"float32 fails on this batch too: dropped the update of samples {', '.join(diagnosis['sample_ids'])}.")
        if not can_roll_back:
            return GuardDecision(STOP, "there is no checkpoint to roll back to; stopping.")
        if verdict == DIVERGENCE:
            return GuardDecision(ROLL_BACK, f"weights diverged ({_where(diagnosis)}): rolling back to the last good checkpoint.")
        wider = self.capabilities.wider(current)
        if wider is None:
            return GuardDecision(ROLL_BACK, f"{verdict} in {current}: rolling back to the last good checkpoint.")
        new_batch, new_accum = (micro_batch // 2, grad_accum * 2) if wider == "fp32" and micro_batch > 1 else (micro_batch, grad_accum)
        batching = f" with micro-batch {micro_batch} -> {new_batch} and grad accumulation {grad_accum} -> {new_accum}" if new_batch != micro_batch else ""
        return GuardDecision(ROLL_BACK, f"{current} overflowed at {_where(diagnosis)}: rolling back and switching to {wider}{batching}.",
                             wider, new_batch, new_accum)


class LossSpikeDetector:
    """Flags a loss above `factor` x the median of the last `window` finite losses (once there are that many)."""

    def __init__(self, factor: float, window: int):
        self.factor = factor
        self.recent: deque[float] = deque(maxlen=window)

    def observe(self, loss: float) -> float | None:
        if not math.isfinite(loss):
            return None
        spike_median = None
        if len(self.recent) == self.recent.maxlen:
            ordered = sorted(self.recent)
            n = len(ordered)
            median = ordered[n // 2] if n % 2 else 0.5 * (ordered[n // 2 - 1] + ordered[n // 2])
            if loss > self.factor * median:
                spike_median = median
        self.recent.append(loss)
        return spike_median

    @property
    def window(self) -> list[float]:
        return list(self.recent)

    def restore(self, losses) -> None:
        self.recent.clear()
        for loss in list(losses)[-self.recent.maxlen:]:
            self.recent.append(float(loss))
