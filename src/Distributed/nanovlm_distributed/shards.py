"""Training data as shards: tokenized, labelled, image-preprocessed samples that the C# side prepares, so this package
needs no tokenizer and no image code. The format is specified in docs/distributed.md, section "Shard format".

A shard folder holds `index.json` and one safetensors file per shard. Each shard file holds the samples of one split
back to back, unpadded:

    input_ids     I64 [T]             every sample's token ids, concatenated
    labels        I64 [T]             already shifted (label t = id t+1 where trained, else -100)
    token_offsets I64 [n + 1]         sample k is tokens token_offsets[k] .. token_offsets[k+1]-1
    pixel_values  F32 [N, 3, S, S]    every sample's tiles in placeholder order (F16/BF16 accepted)
    tile_offsets  I64 [n + 1]         sample k owns tiles tile_offsets[k] .. tile_offsets[k+1]-1
    __metadata__  {"format": "nanovlm-shards/1", "sample_ids": "[\"id0\", ...]"}

The order of the samples (shards in index order, samples in file order) is the training order: the shards define
the data once, so every engine and every process count reads the same samples in the same order.
"""
from __future__ import annotations

import argparse
import bisect
import json
import os
import sys
import uuid
from dataclasses import dataclass, field

import torch

from . import safetensors_io

INDEX_FILE_NAME = "index.json"
FORMAT = "nanovlm-shards"
VERSION = 1
SHARD_FORMAT = f"{FORMAT}/{VERSION}"
TRAIN = "train"
VALIDATION = "validation"
IGNORE_INDEX = -100


class ShardError(ValueError):
    """Shards that cannot be used, saying which file and what is wrong."""


@dataclass
class ShardInfo:
    file: str
    samples: int
    tokens: int
    tiles: int


@dataclass
class SplitInfo:
    samples: int = 0
    tokens: int = 0
    labelled_tokens: int = 0
    tiles: int = 0
    max_sample_tokens: int = 0
    shards: list[ShardInfo] = field(default_factory=list)


@dataclass
class ShardIndex:
    image_token_id: int
    pad_token_id: int
    tile_size: int
    image_token_length: int
    vocab_size: int
    source: str = ""
    model: dict | None = None
    splits: dict[str, SplitInfo] = field(default_factory=dict)

    @staticmethod
    def read(folder: str) -> "ShardIndex":
        path = os.path.join(folder, INDEX_FILE_NAME)
        if not os.path.isfile(path):
            raise ShardError(f"{folder} holds no {INDEX_FILE_NAME}: not a shard folder (make one with the C# `dataset pack` verb).")
        try:
            with open(path, encoding="utf-8") as f:
                raw = json.load(f)
        except json.JSONDecodeError as e:
            raise ShardError(f"{path} is not valid JSON: {e}") from e
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise ShardError(f"{path}: \"format\" must be \"{FORMAT}\".")
        if raw.get("version") != VERSION:
            raise ShardError(f"{path}: version {raw.get('version')} is not supported (this reader knows version {VERSION}).")
        problems = [f"\"{key}\" must be a positive integer" for key in ("tile_size", "image_token_length", "vocab_size")
                    if not isinstance(raw.get(key), int) or raw[key] <= 0]
        problems += [f"\"{key}\" must be a non-negative integer" for key in ("image_token_id", "pad_token_id")
                     if not isinstance(raw.get(key), int) or raw[key] < 0]
        splits = raw.get("splits")
        if not isinstance(splits, dict) or TRAIN not in splits:
            problems.append(f"\"splits\" must hold a \"{TRAIN}\" split")
        if problems:
            raise ShardError(f"{path}: " + "; ".join(problems) + ".")
        index = ShardIndex(raw["image_token_id"], raw["pad_token_id"], raw["tile_size"], raw["image_token_length"], raw["vocab_size"],
                           str(raw.get("source", "")), raw.get("model"))
        for name, split in splits.items():
            try:
                shards = [ShardInfo(str(s["file"]), int(s["samples"]), int(s["tokens"]), int(s["tiles"])) for s in split["shards"]]
                index.splits[name] = SplitInfo(int(split["samples"]), int(split["tokens"]), int(split.get("labelled_tokens", 0)),
                                               int(split["tiles"]), int(split.get("max_sample_tokens", 0)), shards)
            except (KeyError, TypeError, ValueError) as e:
                raise ShardError(f"{path}: split \"{name}\" is malformed ({e!r}); each split needs samples, tokens, tiles and "
                                 "shards [{file, samples, tokens, tiles}].") from e
            if sum(s.samples for s in index.splits[name].shards) != index.splits[name].samples:
                raise ShardError(f"{path}: split \"{name}\" says {index.splits[name].samples} samples but its shards hold "
                                 f"{sum(s.samples for s in index.splits[name].shards)}.")
        if index.splits[TRAIN].samples == 0:
            raise ShardError(f"{path}: the train split holds no sample: nothing to train on.")
        return index

    def to_json(self) -> str:
        splits = {}
        for name, split in self.splits.items():
            splits[name] = {"samples": split.samples, "tokens": split.tokens, "labelled_tokens": split.labelled_tokens,
                            "tiles": split.tiles, "max_sample_tokens": split.max_sample_tokens,
                            "shards": [vars(s) for s in split.shards]}
        raw = {"format": FORMAT, "version": VERSION, "source": self.source, "image_token_id": self.image_token_id,
               "pad_token_id": self.pad_token_id, "tile_size": self.tile_size, "image_token_length": self.image_token_length,
               "vocab_size": self.vocab_size, "model": self.model, "splits": splits}
        return json.dumps(raw, indent=2)


@dataclass
class Sample:
    sample_id: str
    input_ids: torch.Tensor   # [L] int64
    labels: torch.Tensor      # [L] int64
    pixels: torch.Tensor      # [k, 3, S, S] float32 (k may be 0)


class _Shard:
    """One shard file. Opening it reads only its header, offsets and sample ids; a sample's tokens and tiles are read
    (and checked) when a batch needs them, so neither start-up time nor memory grows with the data set."""

    def __init__(self, folder: str, info: ShardInfo, index: ShardIndex):
        self.path = os.path.join(folder, info.file)
        self.info = info
        self.index = index
        self.file: safetensors_io.SafetensorsFile | None = None

    def _open(self) -> safetensors_io.SafetensorsFile:
        if self.file is not None:
            return self.file
        if not os.path.isfile(self.path):
            raise ShardError(f"{self.path} is listed in {INDEX_FILE_NAME} but missing.")
        try:
            file = safetensors_io.SafetensorsFile(self.path)
        except safetensors_io.SafetensorsError as e:
            raise ShardError(str(e)) from e
        missing = [n for n in ("input_ids", "labels", "token_offsets", "pixel_values", "tile_offsets") if n not in file]
        if missing:
            raise ShardError(f"{self.path} has no {', '.join(repr(m) for m in missing)} tensor.")
        self.token_offsets = file.tensor("token_offsets").tolist()
        self.tile_offsets = file.tensor("tile_offsets").tolist()
        try:
            self.sample_ids = json.loads(file.metadata.get("sample_ids", "null")) or [f"{self.info.file}#{k}" for k in range(self.info.samples)]
        except json.JSONDecodeError as e:
            raise ShardError(f"{self.path}: metadata sample_ids is not a JSON array of strings: {e}") from e
        self._check_structure(file)
        self.file = file
        return file

    def _check_structure(self, file: safetensors_io.SafetensorsFile) -> None:
        n = self.info.samples
        ids, labels, pixels = file.entries["input_ids"], file.entries["labels"], file.entries["pixel_values"]
        problems = []
        if ids.dtype != "I64" or labels.dtype != "I64" or len(ids.shape) != 1 or labels.shape != ids.shape:
            problems.append("input_ids and labels must be I64 vectors of the same length")
        elif len(self.token_offsets) != n + 1 or len(self.tile_offsets) != n + 1 or len(self.sample_ids) != n:
            problems.append(f"token_offsets and tile_offsets must hold {n + 1} entries and sample_ids {n} (the index says {n} samples)")
        elif self.token_offsets[0] != 0 or self.token_offsets[-1] != ids.shape[0] or any(
                b <= a for a, b in zip(self.token_offsets, self.token_offsets[1:])):
            problems.append("token_offsets must start at 0, increase strictly and end at the length of input_ids")
        elif self.tile_offsets[0] != 0 or self.tile_offsets[-1] != pixels.shape[0] or any(b < a for a, b in zip(self.tile_offsets, self.tile_offsets[1:])):
            problems.append("tile_offsets must start at 0, never decrease and end at the number of tiles")
        if len(pixels.shape) != 4 or pixels.shape[1:] != (3, self.index.tile_size, self.index.tile_size) or pixels.dtype not in ("F32", "F16", "BF16"):
            problems.append(f"pixel_values must be F32/F16/BF16 [N, 3, {self.index.tile_size}, {self.index.tile_size}], not {pixels.dtype} {list(pixels.shape)}")
        if problems:
            raise ShardError(f"{self.path}: " + "; ".join(problems) + ".")

    def tokens(self, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Sample k's ids and labels, checked: ids and labels in the vocabulary, one placeholder run per tile."""
        file = self._open()
        start, stop = self.token_offsets[k], self.token_offsets[k + 1]
        ids, labels = file.rows("input_ids", start, stop), file.rows("labels", start, stop)
        vocab = self.index.vocab_size
        where = f"{self.path}: sample '{self.sample_ids[k]}'"
        if int(ids.min()) < 0 or int(ids.max()) >= vocab:
            raise ShardError(f"{where}: token ids must lie in [0, {vocab}) (the model's vocabulary).")
        if bool(((labels != IGNORE_INDEX) & ((labels < 0) | (labels >= vocab))).any()):
            raise ShardError(f"{where}: labels must be -100 or token ids in [0, {vocab}).")
        placeholders = int((ids == self.index.image_token_id).sum())
        tiles = self.tile_count(k)
        if placeholders != tiles * self.index.image_token_length:
            raise ShardError(f"{where}: {placeholders} image placeholders (id {self.index.image_token_id}) but {tiles} tile(s) x "
                             f"{self.index.image_token_length} = {tiles * self.index.image_token_length}.")
        return ids, labels

    def sample(self, k: int) -> Sample:
        ids, labels = self.tokens(k)
        tiles = self._open().rows("pixel_values", self.tile_offsets[k], self.tile_offsets[k + 1]).float()
        return Sample(self.sample_ids[k], ids, labels, tiles)

    def length(self, k: int) -> int:
        self._open()
        return self.token_offsets[k + 1] - self.token_offsets[k]

    def labelled(self, k: int) -> int:
        return int((self.tokens(k)[1] != IGNORE_INDEX).sum())

    def tile_count(self, k: int) -> int:
        self._open()
        return self.tile_offsets[k + 1] - self.tile_offsets[k]

    def sample_id(self, k: int) -> str:
        self._open()
        return self.sample_ids[k]


@dataclass
class Batch:
    """One process's rows of a micro-batch, left-padded: ids/mask/labels [B, T], pixels [N, 3, S, S] or None."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    labels: torch.Tensor
    pixels: torch.Tensor | None
    sample_ids: list[str]

    def to(self, device: torch.device) -> "Batch":
        return Batch(self.input_ids.to(device), self.attention_mask.to(device), self.labels.to(device),
                     None if self.pixels is None else self.pixels.to(device), self.sample_ids)


@dataclass
class GlobalBatch:
    """A micro-batch over every process: the samples (global stream indices within their split), and what the loss
    normalisation needs from all of them. Any process can collate any process's rows (the NaN diagnosis does)."""

    split: "ShardSplit"
    samples: list[int]
    rows_per_process: int
    pad_to: int

    @property
    def processes(self) -> int:
        return len(self.samples) // self.rows_per_process

    @property
    def labelled_tokens(self) -> int:
        return sum(self.split.labelled(i) for i in self.samples)

    @property
    def tokens(self) -> int:
        return sum(self.split.length(i) for i in self.samples)

    @property
    def tiles(self) -> int:
        return sum(self.split.tile_count(i) for i in self.samples)

    @property
    def sample_ids(self) -> list[str]:
        return [self.split.sample_id(i) for i in self.samples]

    def rows_of(self, rank: int) -> Batch:
        start = rank * self.rows_per_process
        return self.split.collate(self.samples[start:start + self.rows_per_process], self.pad_to)


class ShardSplit:
    """One split of a shard folder as a sequence of samples (global index across its shards)."""

    def __init__(self, folder: str, index: ShardIndex, name: str):
        if name not in index.splits:
            raise ShardError(f"{folder} has no \"{name}\" split (it has: {', '.join(index.splits)}).")
        self.name = name
        self.index = index
        self.shards = [_Shard(folder, info, index) for info in index.splits[name].shards if info.samples > 0]
        self.starts: list[int] = []
        total = 0
        for shard in self.shards:
            self.starts.append(total)
            total += shard.info.samples
        self.size = total

    def _locate(self, i: int) -> tuple[_Shard, int]:
        if not 0 <= i < self.size:
            raise IndexError(f"sample {i} of a {self.size}-sample split")
        s = bisect.bisect_right(self.starts, i) - 1
        return self.shards[s], i - self.starts[s]

    def sample(self, i: int) -> Sample:
        shard, k = self._locate(i)
        return shard.sample(k)

    def length(self, i: int) -> int:
        shard, k = self._locate(i)
        return shard.length(k)

    def labelled(self, i: int) -> int:
        shard, k = self._locate(i)
        return shard.labelled(k)

    def tile_count(self, i: int) -> int:
        shard, k = self._locate(i)
        return shard.tile_count(k)

    def sample_id(self, i: int) -> str:
        shard, k = self._locate(i)
        return shard.sample_id(k)

    def collate(self, indices: list[int], pad_to: int) -> Batch:
        """Left-pads the samples to `pad_to` tokens (pad id, mask 0, label -100), tiles concatenated in row order."""
        samples = [self.sample(i) for i in indices]
        rows = len(samples)
        ids = torch.full((rows, pad_to), self.index.pad_token_id, dtype=torch.int64)
        mask = torch.zeros((rows, pad_to), dtype=torch.int64)
        labels = torch.full((rows, pad_to), IGNORE_INDEX, dtype=torch.int64)
        for row, sample in enumerate(samples):
            length = sample.input_ids.shape[0]
            ids[row, pad_to - length:] = sample.input_ids
            mask[row, pad_to - length:] = 1
            labels[row, pad_to - length:] = sample.labels
        tiles = [s.pixels for s in samples if s.pixels.shape[0] > 0]
        pixels = torch.cat(tiles, dim=0) if tiles else None  # [N, 3, S, S]
        return Batch(ids, mask, labels, pixels, [s.sample_id for s in samples])

    def global_batch(self, indices: list[int], rows_per_process: int) -> GlobalBatch:
        """Rows are padded to the longest sample of the whole micro-batch, so every process count pads alike (and
        like the in-process engine's collator, which pads a batch to its longest row)."""
        return GlobalBatch(self, indices, rows_per_process, max(self.length(i) for i in indices))


class TrainingStream:
    """The train split as an endless stream in epochs, positioned as the C# engine's DataPosition: (epoch, samples
    handed out in that epoch). A micro-batch may span the end of an epoch: it continues from the first sample."""

    def __init__(self, split: ShardSplit):
        self.split = split
        self.epoch = 0
        self.samples = 0

    @property
    def position(self) -> dict:
        return {"epoch": self.epoch, "samples": self.samples}

    def seek(self, position: dict) -> None:
        epoch, samples = int(position["epoch"]), int(position["samples"])
        if epoch < 0 or samples < 0:
            raise ShardError(f"data position {position} is negative.")
        # A position past the end of the split (another source, or fewer shards now) continues in a later epoch.
        self.epoch, self.samples = epoch + samples // self.split.size, samples % self.split.size

    def next_global_batch(self, rows_per_process: int, processes: int) -> GlobalBatch:
        indices = []
        for _ in range(rows_per_process * processes):
            if self.samples == self.split.size:
                self.epoch, self.samples = self.epoch + 1, 0
            indices.append(self.samples)
            self.samples += 1
        return self.split.global_batch(indices, rows_per_process)


class ShardSet:
    """A shard folder: its index, the training stream and the fixed validation batches."""

    def __init__(self, folder: str):
        self.folder = folder
        self.index = ShardIndex.read(folder)
        self.train = ShardSplit(folder, self.index, TRAIN)
        self.validation = ShardSplit(folder, self.index, VALIDATION) if self.index.splits.get(VALIDATION, SplitInfo()).samples > 0 else None

    def validation_batches(self, rows_per_process: int, processes: int, max_batches: int) -> list[GlobalBatch]:
        """The same leading validation samples every time, in micro-batches over every process (a last, partial
        batch is left out so that each process has the same number of rows)."""
        if self.validation is None:
            return []
        size = rows_per_process * processes
        count = min(max_batches, self.validation.size // size)
        return [self.validation.global_batch(list(range(b * size, (b + 1) * size)), rows_per_process) for b in range(count)]

    def check_model(self, model_config) -> list[str]:
        """What does not fit between the shards and a model configuration (empty when they fit)."""
        problems = []
        if self.index.image_token_id != model_config.image_token_id:
            problems.append(f"the shards use image token id {self.index.image_token_id}, the model {model_config.image_token_id}")
        if self.index.tile_size != model_config.vit_img_size:
            problems.append(f"the shards hold {self.index.tile_size} px tiles, the model takes {model_config.vit_img_size} px (vit_img_size)")
        if self.index.image_token_length != model_config.mp_image_token_length:
            problems.append(f"the shards reserve {self.index.image_token_length} tokens per tile, the model makes {model_config.mp_image_token_length}")
        if self.index.vocab_size > model_config.lm_vocab_size:
            problems.append(f"the shards' token ids go up to {self.index.vocab_size - 1}, beyond the model's vocabulary of {model_config.lm_vocab_size}")
        return problems


class ShardWriter:
    """Writes a shard folder (the Python twin of the C# `dataset pack` writer, used by tests and the benchmark).
    Shard files are written as they fill up; `close()` writes index.json last, so a folder with an index is complete."""

    def __init__(self, folder: str, *, image_token_id: int, pad_token_id: int, tile_size: int, image_token_length: int,
                 vocab_size: int, source: str = "", model: dict | None = None, samples_per_shard: int = 256):
        os.makedirs(folder, exist_ok=True)
        if os.path.exists(os.path.join(folder, INDEX_FILE_NAME)):
            raise ShardError(f"{folder} already holds shards ({INDEX_FILE_NAME}); choose an empty folder.")
        self.folder = folder
        self.samples_per_shard = samples_per_shard
        self.index = ShardIndex(image_token_id, pad_token_id, tile_size, image_token_length, vocab_size, source, model)
        self._pending: dict[str, list[Sample]] = {}

    def add(self, split: str, sample_id: str, input_ids, labels, pixels: torch.Tensor | None = None) -> None:
        ids = torch.as_tensor(input_ids, dtype=torch.int64).reshape(-1)
        lab = torch.as_tensor(labels, dtype=torch.int64).reshape(-1)
        if ids.shape != lab.shape or ids.numel() == 0:
            raise ShardError(f"sample '{sample_id}': input_ids and labels must be non-empty and of one length.")
        tiles = torch.zeros(0, 3, self.index.tile_size, self.index.tile_size) if pixels is None else pixels.float().reshape(-1, 3, self.index.tile_size, self.index.tile_size)
        self._pending.setdefault(split, []).append(Sample(sample_id, ids, lab, tiles))
        if len(self._pending[split]) >= self.samples_per_shard:
            self._flush(split)

    def close(self) -> ShardIndex:
        for split in list(self._pending):
            self._flush(split)
        self.index.splits.setdefault(TRAIN, SplitInfo())
        temporary = os.path.join(self.folder, f".{INDEX_FILE_NAME}.{uuid.uuid4().hex}")
        with open(temporary, "w", encoding="utf-8") as f:
            f.write(self.index.to_json())
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, os.path.join(self.folder, INDEX_FILE_NAME))
        return self.index

    def _flush(self, split: str) -> None:
        samples = self._pending.pop(split, [])
        if not samples:
            return
        info = self.index.splits.setdefault(split, SplitInfo())
        name = f"{split}-{len(info.shards):05d}.safetensors"
        token_offsets = [0]
        tile_offsets = [0]
        for sample in samples:
            token_offsets.append(token_offsets[-1] + sample.input_ids.numel())
            tile_offsets.append(tile_offsets[-1] + sample.pixels.shape[0])
        tensors = {
            "input_ids": torch.cat([s.input_ids for s in samples]),
            "labels": torch.cat([s.labels for s in samples]),
            "token_offsets": torch.tensor(token_offsets, dtype=torch.int64),
            "pixel_values": torch.cat([s.pixels for s in samples]).contiguous(),
            "tile_offsets": torch.tensor(tile_offsets, dtype=torch.int64),
        }
        safetensors_io.save(os.path.join(self.folder, name), tensors,
                            {"format": SHARD_FORMAT, "sample_ids": json.dumps([s.sample_id for s in samples])})
        info.shards.append(ShardInfo(name, len(samples), token_offsets[-1], tile_offsets[-1]))
        info.samples += len(samples)
        info.tokens += token_offsets[-1]
        info.tiles += tile_offsets[-1]
        info.labelled_tokens += int(sum(int((s.labels != IGNORE_INDEX).sum()) for s in samples))
        info.max_sample_tokens = max([info.max_sample_tokens] + [s.input_ids.numel() for s in samples])


def write_random(folder: str, model_config, *, train_samples: int, validation_samples: int = 0, text_tokens: int = 24,
                 answer_tokens: int = 4, tiles_per_sample: int = 1, seed: int = 0, pad_token_id: int = 0,
                 samples_per_shard: int = 64) -> ShardIndex:
    """Random shards for a model configuration (tests and benchmarks; labelled as `random:` in the index): each sample
    is `tiles_per_sample` tiles of uniform [0, 1] pixels, their placeholders, `text_tokens` random prompt tokens with a
    varying length and `answer_tokens` labelled ones."""
    generator = torch.Generator().manual_seed(seed)
    writer = ShardWriter(folder, image_token_id=model_config.image_token_id, pad_token_id=pad_token_id,
                         tile_size=model_config.vit_img_size, image_token_length=model_config.mp_image_token_length,
                         vocab_size=model_config.lm_vocab_size, source=f"random:seed={seed}", model=model_config.to_dict(),
                         samples_per_shard=samples_per_shard)
    base = model_config.lm_base_vocab_size
    for split, count in ((TRAIN, train_samples), (VALIDATION, validation_samples)):
        for k in range(count):
            prompt = int(torch.randint(max(1, text_tokens // 2), text_tokens + 1, (1,), generator=generator))
            placeholders = torch.full((tiles_per_sample * model_config.mp_image_token_length,), model_config.image_token_id, dtype=torch.int64)
            text = torch.randint(1, base, (prompt + answer_tokens,), generator=generator)
            ids = torch.cat([text[:1], placeholders, text[1:]])
            labels = torch.full_like(ids, IGNORE_INDEX)
            labels[-answer_tokens - 1:-1] = ids[-answer_tokens:]  # shifted: position t predicts token t+1
            size = model_config.vit_img_size
            pixels = torch.rand(tiles_per_sample, 3, size, size, generator=generator)
            writer.add(split, f"{split}-{k}", ids, labels, pixels)
    return writer.close()


def check(folder: str) -> dict:
    """Reads every shard of a folder, checks it, and summarises it (what `python3 -m nanovlm_distributed.shards check` prints)."""
    shards = ShardSet(folder)
    summary = {"folder": os.path.abspath(folder), "source": shards.index.source, "image_token_id": shards.index.image_token_id,
               "tile_size": shards.index.tile_size, "vocab_size": shards.index.vocab_size, "splits": {}}
    for name in shards.index.splits:
        split = ShardSplit(folder, shards.index, name)
        lengths = [split.length(i) for i in range(split.size)]
        summary["splits"][name] = {"samples": split.size, "tokens": sum(lengths), "max_sample_tokens": max(lengths, default=0),
                                   "tiles": sum(split.tile_count(i) for i in range(split.size)),
                                   "labelled_tokens": sum(split.labelled(i) for i in range(split.size))}
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m nanovlm_distributed.shards", description="Check shard folders.")
    sub = parser.add_subparsers(dest="command", required=True)
    check_parser = sub.add_parser("check", help="read and check every shard of a folder; print a JSON summary")
    check_parser.add_argument("folder")
    args = parser.parse_args(argv)
    try:
        print(json.dumps(check(args.folder), indent=2))
    except ShardError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
