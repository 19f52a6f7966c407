"""`python3 -m nanovlm_distributed.train`: a training run on shards, in one process or under torchrun (DDP).

    torchrun --standalone --nproc-per-node 2 --redirects 2 --tee 1 -m nanovlm_distributed.train \\
        --run-dir runs/ddp --shards shards/ --config run.json --batch-size 2

Exit codes: 0 completed, 1 failed (the NaN guard stopped the run, or an error), 2 cancelled (SIGTERM or SIGINT; a
checkpoint is written first) or a usage error (nothing written). See docs/distributed.md.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import traceback

import torch

from . import checkpoint as nanovlm_checkpoint
from . import config as model_presets
from .config import VlmConfig
from .model import VisionLanguageModel
from .shards import ShardError, ShardSet
from .training import checkpoint_store, guard as guards, world as worlds
from .training.config import TrainingConfig, training_preset
from .training.precision import DeviceCapabilities
from .training.run_files import CONFIG_FILE_NAME, NoRunFiles, RunFiles
from .training.session import Session
from .training.step import FaultInjector
from .training.trainer import CANCELLED, COMPLETED, Trainer

EXIT_COMPLETED, EXIT_FAILED, EXIT_CANCELLED, EXIT_USAGE = 0, 1, 2, 2


class UsageError(Exception):
    """Bad input: the message says what is wrong and how to fix it; nothing has been written."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python3 -m nanovlm_distributed.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run-dir", help="the run folder rank 0 writes (run.json, metrics.jsonl, events.jsonl, checkpoints/); "
                                          "default when resuming: the resumed run's folder")
    parser.add_argument("--shards", required=True, help="a shard folder (index.json + shard files) prepared by `dataset pack`")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--config", help="a run.json (training configuration, as either engine writes it)")
    source.add_argument("--preset", help="training preset: tiny, small or fp16-overflow (default: tiny, with the shards' vocabulary)")
    parser.add_argument("--init", help="a nanoVLM checkpoint folder (config.json + model.safetensors) to start from; its config.json "
                                       "gives the architecture")
    parser.add_argument("--resume", help="continue from a checkpoint folder, or a run folder's newest checkpoint")
    parser.add_argument("--precision", choices=["auto", "fp32", "bf16", "fp16"], help="with --resume: the precision to continue in")
    parser.add_argument("--halve-micro-batch", action="store_true",
                        help="with --resume: continue with half the per-process batch and twice the accumulation (the same global batch)")
    parser.add_argument("--steps", type=int, help="optimizer steps (max_steps)")
    parser.add_argument("--batch-size", type=int, help="micro-batch per process (global micro-batch = batch x processes)")
    parser.add_argument("--grad-accum", type=int, help="micro-batches per optimizer step")
    parser.add_argument("--lr-mp", type=float)
    parser.add_argument("--lr-vision", type=float)
    parser.add_argument("--lr-language", type=float)
    parser.add_argument("--nan-policy", choices=["stop", "skip", "recover"])
    parser.add_argument("--seed", type=int)
    parser.add_argument("--threads", type=int, help="intra-op threads per process (0 = PyTorch's default)")
    parser.add_argument("--device", help="cpu, cuda (each process takes the GPU of its local rank), cuda:N or auto")
    parser.add_argument("--eval-interval", type=int)
    parser.add_argument("--val-batches", type=int)
    parser.add_argument("--checkpoint-interval", type=int)
    parser.add_argument("--headroom-interval", type=int)
    parser.add_argument("--inject-fault", help=argparse.SUPPRESS)  # tests only: nan-weights@STEP
    return parser.parse_args(argv)


OVERRIDES = {"precision": "precision", "steps": "max_steps", "batch_size": "batch_size", "grad_accum": "grad_accum", "lr_mp": "lr_mp",
             "lr_vision": "lr_vision", "lr_language": "lr_language", "nan_policy": "nan_policy", "seed": "seed", "threads": "threads",
             "device": "device", "eval_interval": "eval_interval", "val_batches": "val_batches",
             "checkpoint_interval": "checkpoint_interval", "headroom_interval": "headroom_interval"}


def read_json(path: str, what: str) -> dict:
    if not os.path.isfile(path):
        raise UsageError(f"{what} '{path}' does not exist.")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise UsageError(f"{what} '{path}' is not valid JSON: {e}") from e


def resolve_config(args: argparse.Namespace, shards: ShardSet, resume_run: str | None, world_size: int) -> TrainingConfig:
    """Base (--config, else the resumed run's run.json, else a preset), then the model (--init's config.json, else the
    base's, else the shards' own model), then every option on top. Every problem is reported at once."""
    if args.config:
        config = TrainingConfig.from_dict(read_json(args.config, "The configuration file"))
    elif args.preset is None and resume_run and os.path.isfile(os.path.join(resume_run, CONFIG_FILE_NAME)):
        config = TrainingConfig.from_dict(read_json(os.path.join(resume_run, CONFIG_FILE_NAME), "The resumed run's configuration"))
    else:
        try:
            config = training_preset(args.preset or "tiny", shards.index.vocab_size - 66)
        except ValueError as e:
            raise UsageError(str(e)) from e
    if config.model is None and shards.index.model:
        config.model, _ = VlmConfig.from_dict(shards.index.model)  # the model the shards were packed for
    if args.init:
        try:
            config.model, _ = VlmConfig.load(args.init)
            config.init = os.path.abspath(args.init)
        except (FileNotFoundError, ValueError) as e:
            raise UsageError(f"--init {args.init}: {e}") from e
    if config.model is None:
        try:
            config.model = model_presets.preset(config.model_preset, shards.index.vocab_size - 66)
        except ValueError as e:
            raise UsageError(f"{e} Give the model in the configuration (\"model\"), or --init.") from e
    for option, field_name in OVERRIDES.items():
        value = getattr(args, option)
        if value is not None:
            setattr(config, field_name, value)
    config.world_size = world_size
    # What the shards were packed from (a data source the C# engine reads, such as synthetic:easy or a DocVQA path), so
    # that an in-process resume of this run reads the same stream from the same position.
    config.data = shards.index.source or config.data
    config.shards = os.path.abspath(args.shards)
    problems = config.validate()
    problems += [f"shards: {p}" for p in shards.check_model(config.resolve_model())]
    if problems:
        raise UsageError("The training configuration is not usable:\n- " + "\n- ".join(problems))
    return config


class StopFlag:
    """SIGTERM or SIGINT asks the run to stop at the end of the current step (with a checkpoint); a second signal
    gets the default behaviour (the process ends at once)."""

    def __init__(self):
        self.requested = False
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._handle)

    def _handle(self, signum, _frame) -> None:
        self.requested = True
        signal.signal(signum, signal.SIG_DFL)

    def __call__(self) -> bool:
        return self.requested


def lost_contact(error: BaseException) -> bool:
    text = str(error).lower()
    return isinstance(error, RuntimeError) and any(k in text for k in ("connection", "gloo", "nccl", "closed", "reset by peer", "timed out", "broken pipe"))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop = StopFlag()
    rank = int(os.environ.get("RANK", "0"))
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    try:
        resume_checkpoint, resume_run = checkpoint_store.resolve(args.resume) if args.resume else (None, None)
        shards = ShardSet(args.shards)
        config = resolve_config(args, shards, resume_run, world_size)
        run_dir = args.run_dir or resume_run
        if run_dir is None:
            raise UsageError("--run-dir is required (the folder rank 0 writes the run into).")
        if resume_checkpoint is None and os.path.isfile(os.path.join(run_dir, CONFIG_FILE_NAME)):
            raise UsageError(f"'{run_dir}' already holds a run; choose another --run-dir, or continue it with --resume.")
        if args.halve_micro_batch and not args.resume:
            raise UsageError("--halve-micro-batch changes a resumed run; give --resume too (a new run takes --batch-size).")
        faults = FaultInjector(args.inject_fault) if args.inject_fault else None
    except (UsageError, ShardError, FileNotFoundError, ValueError) as e:
        if rank == 0:
            print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE

    world = worlds.start(config.device)
    files = NoRunFiles()
    session = None
    try:
        if config.threads > 0:
            torch.set_num_threads(config.threads)
        torch.manual_seed(config.seed)
        model = VisionLanguageModel(config.resolve_model())
        if abs(config.lm_init_std - 0.02) > 1e-12:
            model.decoder.initialize_weights(config.lm_init_std)
        if args.init and world.is_main:
            for warning in nanovlm_checkpoint.load_weights(model, args.init):
                print(f"warning: {warning}", file=sys.stderr)
        model.to(world.device).train()
        world.broadcast_tensors_(list(model.parameters()) + [model.decoder.rotary_embd.inv_freq])
        ddp_model = wrap(model, world, shards)
        capabilities = DeviceCapabilities.detect(world.device)
        session = Session(config, model, ddp_model, world, shards, capabilities.resolve(config.precision, config.resolve_model().lm_hidden_dim))
        if resume_checkpoint:
            session.restore(resume_checkpoint, keep_history=False)
            # The checkpoint's global micro-batch, split over this run's processes, is what this run trains with.
            config.batch_size, config.grad_accum = session.micro_batch, session.grad_accum
        if world.is_main:
            files = RunFiles(run_dir, config.to_json())
        store = checkpoint_store.CheckpointStore(os.path.join(run_dir, "checkpoints")) if world.is_main else None
        guard = guards.NanGuard(config.nan_policy, config.max_repeated_failures, capabilities)
        resume_precision = capabilities.resolve(args.precision, config.resolve_model().lm_hidden_dim) if resume_checkpoint and args.precision else None
        trainer = Trainer(session, ProgressPrinter(files, config.max_steps) if world.is_main else files, store, guard, stop, faults,
                          resume_checkpoint, resume_precision, args.halve_micro_batch)
        outcome = trainer.run()
        return {COMPLETED: EXIT_COMPLETED, CANCELLED: EXIT_CANCELLED}.get(outcome, EXIT_FAILED)
    except Exception as e:  # a run that crashes is reported as failed in its folder, never left "running"
        reason = f"{type(e).__name__}: {e}"
        if world.distributed and lost_contact(e):
            reason = f"lost contact with another process of the run (it died, was killed, or its machine went away): {reason}"
        files.publish("state", session.step if session is not None else 0, state="failed", reason=reason)
        print(f"rank {world.rank}: {reason}", file=sys.stderr)
        traceback.print_exc()
        return EXIT_FAILED
    finally:
        files.close()
        try:
            world.close()
        except Exception:  # the peers may be gone already
            pass


def wrap(model, world, shards: ShardSet):
    if not world.distributed:
        return model
    # A process whose rows have no image leaves the vision tower without gradients; DDP must then look for unused
    # parameters (slower), so only when the shards hold such samples.
    text_only = any(shards.train.tile_count(i) == 0 for i in range(shards.train.size))
    device_ids = [world.device.index] if world.device.type == "cuda" else None
    return torch.nn.parallel.DistributedDataParallel(model, device_ids=device_ids, find_unused_parameters=text_only)


class ProgressPrinter:
    """Rank 0's run files plus one progress line per event on stderr."""

    def __init__(self, files, max_steps: int):
        self.files = files
        self.max_steps = max_steps

    def publish(self, event_type: str, step: int, **fields) -> None:
        self.files.publish(event_type, step, **fields)
        line = None
        if event_type == "metrics":
            scale = f" scale {fields['loss_scale']:g}" if fields.get("loss_scale") else ""
            line = (f"step {step}/{self.max_steps}  loss {fields['loss']:.4f}  grad {fields['grad_norm']:.2f}  {fields['precision']}{scale}  "
                    f"{fields['tokens_per_second']:.0f} tok/s  skipped {fields['skipped']}")
        elif event_type == "evaluation":
            line = f"val loss {fields['val_loss']:.4f} at step {step}"
        elif event_type == "alert":
            line = f"[{fields['kind']}] step {step}: {fields['message']} -> {fields.get('action')}"
        elif event_type == "state":
            line = f"{fields['state']} at step {step}: {fields.get('reason')}"
        elif event_type in ("rollback", "precision_switch", "checkpoint"):
            line = f"{event_type} at step {step}: {fields.get('reason') or fields.get('path')}"
        if line:
            print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        self.files.close()


if __name__ == "__main__":
    sys.exit(main())
