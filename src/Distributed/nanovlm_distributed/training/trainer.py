"""The training loop (the C# engine's Trainer.Run, distributed): evaluate and checkpoint at step 0, then optimizer
steps until max_steps, a stop by the NaN guard, or a stop request (SIGTERM/SIGINT on any process, agreed through the
step's all-reduce); evaluation and checkpoints every N steps; events and metrics into the run folder (rank 0)."""
from __future__ import annotations

import math
import time

import torch

from . import guard as guards
from . import precision as precisions
from . import step as steps
from .checkpoint_store import CheckpointStore, name_for
from .session import Session

COMPLETED, FAILED, CANCELLED = "completed", "failed", "cancelled"


class Trainer:
    def __init__(self, session: Session, files, store: CheckpointStore | None, guard: guards.NanGuard,
                 stop_requested, faults: steps.FaultInjector | None = None, last_checkpoint: str | None = None,
                 resume_precision: str | None = None, resume_halves_micro_batch: bool = False):
        self.session = session
        self.files = files
        self.store = store
        self.guard = guard
        self.stop_requested = stop_requested  # () -> bool, this process's signal flag
        self.faults = faults
        self.last_checkpoint = last_checkpoint
        self.last_checkpoint_step = session.step if last_checkpoint else -1
        self.last_evaluation_step = session.step if last_checkpoint else -1
        self.resume_changes = (resume_precision, resume_halves_micro_batch)

    def run(self) -> str:
        s = self.session
        self.apply_resume_changes()
        self.publish("state", state="running", reason=self.describe())
        if s.step == 0 and self.last_checkpoint is None:
            self.evaluate()         # the reference evaluates and checkpoints at step 0
            self.save_checkpoint()  # and it is what a first failure rolls back to
        while s.step < s.config.max_steps:
            started = time.monotonic()
            result = steps.run(s, self.stop_requested(), self.headroom_due(), self.faults)
            if result.status == steps.FAILED:
                stopped = self.handle_failure(result.failure)
                if stopped is not None:
                    return stopped
            else:
                s.step += 1
                s.tokens_seen += result.tokens
                s.images_seen += result.images
                if result.status == steps.SCALE_BACKED_OFF:
                    s.skipped += 1
                    self.report_overflow(result)
                self.report_metrics(result, time.monotonic() - started)
                self.watch_for_spike(result)
                self.warn_on_headroom(result)
                if self.due(s.config.eval_interval):
                    self.evaluate()
                if self.due(s.config.checkpoint_interval):
                    self.save_checkpoint()
            if result.cancel_requested:
                if self.last_checkpoint_step != s.step:
                    self.save_checkpoint()
                return self.finish(CANCELLED, "cancelled by the user.")
        if s.config.eval_interval > 0 and self.last_evaluation_step != s.step:
            self.evaluate()
        if self.last_checkpoint_step != s.step:
            self.save_checkpoint()
        return self.finish(COMPLETED, f"{s.step} steps done.")

    def apply_resume_changes(self) -> None:
        """A resume asked to continue in another precision or with half the per-process batch (the run page's "Resume
        in bf16", "Resume in fp32, half batch"): applied on top of the restored checkpoint, recorded as a switch."""
        precision, halve = self.resume_changes
        s = self.session
        precision = precision or s.precision
        batch, accum = (s.micro_batch // 2, s.grad_accum * 2) if halve and s.micro_batch > 1 else (s.micro_batch, s.grad_accum)
        if precision == s.precision and batch == s.micro_batch:
            return
        before, global_before, global_after = s.precision, s.global_micro_batch, batch * s.world.size
        reason = f"resumed in {precision}" + (f" with micro-batch {global_before} -> {global_after}" if global_after != global_before else "") + " as asked"
        s.set_precision(precision, reason, batch, accum)
        self.publish("precision_switch", **{"from": before}, to=precision, micro_batch=s.global_micro_batch, grad_accum=s.grad_accum, reason=reason)

    # ---- the NaN guard ----
    def handle_failure(self, failure: guards.FailureContext) -> str | None:
        s = self.session
        diagnosis = decision = None
        if s.world.is_main:
            diagnosis = guards.diagnose(s.model, failure, s.device)
            decision = self.guard.decide(diagnosis, s.precision, s.micro_batch, s.grad_accum, self.last_checkpoint is not None)
        diagnosis, decision = s.world.broadcast_object((diagnosis, decision))
        failed_step = s.step
        action = {guards.STOP: "stopped", guards.SKIP_UPDATE: "skipped update"}.get(decision.action, "rolled back")
        self.publish("alert", kind="nan", step=failed_step,
                     message=f"Non-finite {diagnosis['symptom']} at step {failed_step} in {diagnosis['precision']}: {diagnosis['verdict']}. {diagnosis['explanation']}",
                     action=f"{action}: {decision.reason}", diagnosis=diagnosis, headroom=None)
        if decision.action == guards.STOP:
            return self.finish(FAILED, decision.reason)
        if decision.action == guards.SKIP_UPDATE:
            s.step += 1
            s.skipped += 1
            return None
        checkpoint = self.last_checkpoint
        s.restore(checkpoint, keep_history=True)
        self.publish("rollback", from_step=failed_step, to_step=s.step, checkpoint=checkpoint, reason=decision.reason)
        if decision.switch_to is not None:
            before = s.precision
            s.set_precision(decision.switch_to, decision.reason, decision.micro_batch, decision.grad_accum)
            self.publish("precision_switch", **{"from": before}, to=decision.switch_to, micro_batch=s.global_micro_batch,
                         grad_accum=s.grad_accum, reason=decision.reason)
        return None

    # ---- reporting ----
    def report_overflow(self, result: steps.StepResult) -> None:
        self.publish("alert", kind="overflow", action="skipped update", diagnosis=None, headroom=None,
                     message=f"fp16 gradients overflowed at loss scale {result.loss_scale:g}; the update was skipped and the scale "
                             f"halved to {self.session.scaler.scale:g}.")

    def report_metrics(self, result: steps.StepResult, seconds: float) -> None:
        s = self.session
        fields = dict(tokens_seen=s.tokens_seen, images_seen=s.images_seen, loss=result.loss, lr=result.learning_rates,
                      grad_norm=result.grad_norm, loss_scale=result.loss_scale,
                      precision=s.precision + ("" if self.faults is None else "+faults"), micro_batch=s.global_micro_batch,
                      grad_accum=s.grad_accum, tokens_per_second=result.tokens / max(seconds, 1e-9), elapsed_seconds=self.session.elapsed_seconds,
                      skipped=s.skipped)
        if result.headroom is not None:
            fields["headroom"] = result.headroom
        self.publish("metrics", **fields)

    def watch_for_spike(self, result: steps.StepResult) -> None:
        median = self.session.spikes.observe(result.loss)
        if median is not None:
            window = self.session.config.spike_window
            self.publish("alert", kind="spike", action="warned", diagnosis=None, headroom=None,
                         message=f"Loss {result.loss:.4g} is {result.loss / median:.1f}x the median {median:.4g} of the last {window} steps.")

    def warn_on_headroom(self, result: steps.StepResult) -> None:
        if result.headroom is None:
            return
        factor = self.session.config.headroom_warn_factor
        low = [h for h in result.headroom if h["fp16_headroom"] < factor]
        if low:
            worst = low[0]
            self.publish("alert", kind="headroom", action="warned", diagnosis=None, headroom=low,
                         message=f"{worst['module']} reached max |a| = {worst['max_abs']:.4g}: fp16 headroom {worst['fp16_headroom']:.1f}x "
                                 f"(warning below {factor:g}x; {len(low)} module(s) below).")

    def headroom_due(self) -> bool:
        interval = self.session.config.headroom_interval
        return interval > 0 and self.session.step % interval == 0

    def due(self, interval: int) -> bool:
        return interval > 0 and self.session.step % interval == 0

    # ---- evaluation and checkpoints ----
    def evaluate(self) -> None:
        """Mean over the fixed validation micro-batches of each one's global token mean (every process takes part)."""
        s = self.session
        if s.config.eval_interval == 0 or s.config.val_batches == 0:
            return
        batches = s.shards.validation_batches(s.micro_batch, s.world.size, s.config.val_batches)
        if not batches:
            return
        started = time.monotonic()
        s.model.eval()
        shares = torch.zeros(len(batches), dtype=torch.float64, device=s.device)
        try:
            with torch.no_grad():
                for index, batch in enumerate(batches):
                    rows = batch.rows_of(s.world.rank).to(s.device)
                    with precisions.enter(s.precision, s.model, s.device):
                        hidden = s.model(rows.input_ids, rows.pixels, rows.attention_mask)
                        loss_sum, _ = s.model.loss_sum(hidden, rows.labels)
                    shares[index] = float(loss_sum) / max(batch.labelled_tokens, 1)
        finally:
            s.model.train()
        loss = float(s.world.all_reduce_sum(shares).mean())
        s.last_val_loss, s.last_anls, self.last_evaluation_step = loss, None, s.step
        self.publish("evaluation", val_loss=loss, anls=None, batches=len(batches), seconds=time.monotonic() - started)

    def save_checkpoint(self) -> None:
        s = self.session
        if not s.world.is_main or self.store is None:
            self.last_checkpoint_step = s.step
            return
        broken = guards.non_finite_parameters(s.model)
        if broken:
            self.publish("alert", kind="nan", action="checkpoint not written", diagnosis=None, headroom=None,
                         message=f"Not checkpointing step {s.step}: non-finite weights ({', '.join(broken)}).")
            return
        is_best = False
        value = s.last_anls if s.last_anls is not None else s.last_val_loss
        if self.last_evaluation_step == s.step and value is not None and math.isfinite(value):
            metric = "val_loss" if s.last_anls is None else "anls"
            best = s.best
            beaten = best is None or metric != best["metric"] or (value > best["value"] if metric == "anls" else value < best["value"])
            if beaten:
                s.best = {"metric": metric, "value": value, "step": s.step, "name": name_for(s.step), "val_loss": s.last_val_loss}
                is_best = True
        saved = self.store.save(s.model, s.optimizer.export_state(), s.snapshot())
        removed = self.store.apply_retention(s.config.keep_last_checkpoints, s.best["name"] if s.best else None)
        self.last_checkpoint, self.last_checkpoint_step = saved.path, s.step
        self.publish("checkpoint", path=saved.path, best=is_best, removed=removed)

    def finish(self, state: str, reason: str) -> str:
        self.publish("state", state=state, reason=reason)
        return state

    def describe(self) -> str:
        s = self.session
        return (f"{s.config.model_preset}, {s.precision}, micro-batch {s.global_micro_batch} x {s.grad_accum} "
                f"({s.world.size} process{'es' if s.world.size != 1 else ''} x {s.micro_batch}), "
                f"{torch.get_num_threads()} threads, from step {s.step}")

    def publish(self, event_type: str, step: int | None = None, **fields) -> None:
        self.files.publish(event_type, self.session.step if step is None else step, **fields)
