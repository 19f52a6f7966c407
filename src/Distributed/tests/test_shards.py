"""The shard format: what the writer writes is what the reader reads, batches are collated as the in-process engine
collates them, the stream is positioned as the C# engine's DataPosition, and bad shards are refused clearly."""
import json
import os

import pytest
import torch

import support
from nanovlm_distributed import safetensors_io, shards
from nanovlm_distributed.shards import ShardError, ShardSet, ShardWriter


def write_samples(folder, samples, split="train", samples_per_shard=2):
    writer = ShardWriter(str(folder), image_token_id=9, pad_token_id=0, tile_size=4, image_token_length=2, vocab_size=12,
                         source="unit", samples_per_shard=samples_per_shard)
    for sample_id, ids, labels, tiles in samples:
        writer.add(split, sample_id, ids, labels, tiles)
    return writer.close()


def sample(n_text, n_tiles, first=1, seed=0):
    generator = torch.Generator().manual_seed(seed)
    ids = [first] + [9] * (2 * n_tiles) + list(range(2, 2 + n_text))
    labels = [-100] * (len(ids) - 2) + [ids[-1], -100]
    return ids, labels, torch.rand(n_tiles, 3, 4, 4, generator=generator)


def test_samples_round_trip_through_several_shard_files(tmp_path):
    originals = [(f"s{k}", *sample(k + 1, k % 3, seed=k)) for k in range(5)]
    index = write_samples(tmp_path, originals)
    assert [s.file for s in index.splits["train"].shards] == ["train-00000.safetensors", "train-00001.safetensors", "train-00002.safetensors"]

    split = ShardSet(str(tmp_path)).train
    assert split.size == 5
    for k, (sample_id, ids, labels, tiles) in enumerate(originals):
        read = split.sample(k)
        assert read.sample_id == sample_id
        assert read.input_ids.tolist() == ids and read.labels.tolist() == labels
        assert torch.equal(read.pixels, tiles)
    metadata = safetensors_io.read_metadata(tmp_path / "train-00000.safetensors")
    assert metadata["format"] == "nanovlm-shards/1" and json.loads(metadata["sample_ids"]) == ["s0", "s1"]


def test_rows_are_left_padded_to_the_longest_row_of_the_whole_micro_batch(tmp_path):
    write_samples(tmp_path, [(f"s{k}", *sample(n, 1, seed=k)) for k, n in enumerate([1, 6, 2, 3])])
    split = ShardSet(str(tmp_path)).train
    batch = split.global_batch([0, 1, 2, 3], rows_per_process=2)
    assert batch.pad_to == 9  # sample 1: 1 + 2 placeholders + 6 text tokens
    rank1 = batch.rows_of(1)  # samples 2 and 3, padded to the longest of all four (as one process with 4 rows pads)
    one_process = split.global_batch([0, 1, 2, 3], rows_per_process=4).rows_of(0)
    assert torch.equal(rank1.input_ids, one_process.input_ids[2:])
    assert torch.equal(rank1.attention_mask, one_process.attention_mask[2:])
    assert torch.equal(rank1.labels, one_process.labels[2:])
    assert rank1.attention_mask[0].tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 1]
    assert rank1.input_ids[0, :4].tolist() == [0, 0, 0, 0] and rank1.labels[0, :4].tolist() == [-100] * 4
    assert torch.equal(rank1.pixels, torch.cat([split.sample(2).pixels, split.sample(3).pixels]))
    assert rank1.sample_ids == ["s2", "s3"]
    assert batch.labelled_tokens == 4 and batch.tiles == 4 and batch.tokens == 4 + 9 + 5 + 6


def test_the_stream_wraps_into_the_next_epoch_and_seeks_like_the_engine(tmp_path):
    write_samples(tmp_path, [(f"s{k}", *sample(1, 1, seed=k)) for k in range(5)])
    stream = shards.TrainingStream(ShardSet(str(tmp_path)).train)
    assert stream.next_global_batch(2, 2).samples == [0, 1, 2, 3]
    assert stream.next_global_batch(2, 1).samples == [4, 0]  # spans the end of epoch 0
    assert stream.position == {"epoch": 1, "samples": 1}
    stream.seek({"epoch": 0, "samples": 3})
    assert stream.next_global_batch(1, 1).samples == [3]
    stream.seek({"epoch": 2, "samples": 12})  # beyond the split (another source's count): later epochs
    assert stream.position == {"epoch": 4, "samples": 2}


def test_validation_batches_are_the_same_leading_samples_every_time(tmp_path):
    writer = ShardWriter(str(tmp_path), image_token_id=9, pad_token_id=0, tile_size=4, image_token_length=2, vocab_size=12)
    for k in range(7):
        writer.add("train", f"t{k}", *sample(1, 1)[:2])
        writer.add("validation", f"v{k}", *sample(k % 3, 1)[:2], sample(1, 1)[2])
    writer.close()
    data = ShardSet(str(tmp_path))
    batches = data.validation_batches(rows_per_process=2, processes=1, max_batches=8)
    assert [b.samples for b in batches] == [[0, 1], [2, 3], [4, 5]]  # the partial last batch is left out
    assert [b.samples for b in data.validation_batches(2, 2, 8)] == [[0, 1, 2, 3]]


@pytest.mark.parametrize("break_it, message", [
    (lambda ids, labels, tiles: (ids[:-2] + [9, 9], labels, tiles), "image placeholders"),
    (lambda ids, labels, tiles: (ids[:-1] + [12], labels, tiles), r"token ids must lie in \[0, 12\)"),
    (lambda ids, labels, tiles: (ids, labels[:-1] + [40], tiles), "labels must be -100 or token ids"),
])
def test_bad_samples_are_refused_naming_the_file_and_the_problem(tmp_path, break_it, message):
    ids, labels, tiles = sample(3, 1)
    write_samples(tmp_path, [("bad", *break_it(ids, labels, tiles))])
    with pytest.raises(ShardError, match=message):
        ShardSet(str(tmp_path)).train.sample(0)


def test_a_folder_without_an_index_or_with_a_missing_shard_is_refused(tmp_path):
    with pytest.raises(ShardError, match="no index.json: not a shard folder"):
        ShardSet(str(tmp_path))
    write_samples(tmp_path, [("s", *sample(1, 1))])
    os.remove(tmp_path / "train-00000.safetensors")
    with pytest.raises(ShardError, match="listed in index.json but missing"):
        ShardSet(str(tmp_path)).train.sample(0)


def test_the_check_command_summarises_a_folder(tmp_path, capsys):
    support.make_shards(str(tmp_path / "s"), support.tiny_model(), train=6, validation=2)
    assert shards.main(["check", str(tmp_path / "s")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["splits"]["train"]["samples"] == 6 and summary["splits"]["validation"]["tiles"] == 2
    assert summary["splits"]["train"]["labelled_tokens"] == 24
    assert shards.main(["check", str(tmp_path)]) == 1
