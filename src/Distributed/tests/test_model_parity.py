"""The PyTorch port against the reference's own outputs (tests/reference-cases, made by nanoVLM's model code)."""
import json
import os

import pytest
import torch

from conftest import REFERENCE_CASES
from nanovlm_distributed import checkpoint, safetensors_io
from nanovlm_distributed.config import VlmConfig
from nanovlm_distributed.model.projector import pixel_shuffle

CASES = sorted(d for d in os.listdir(REFERENCE_CASES) if os.path.isfile(os.path.join(REFERENCE_CASES, d, "case.json")))


def test_the_cases_are_in_the_repository():
    assert CASES == ["basic-tied", "untied-generate"]


@pytest.mark.parametrize("case", CASES)
def test_logits_loss_and_generation_match_the_reference(case):
    folder = os.path.join(REFERENCE_CASES, case)
    model, warnings = checkpoint.load(os.path.join(folder, "model"))
    inputs = safetensors_io.load(os.path.join(folder, "input.safetensors"))
    expected = safetensors_io.load(os.path.join(folder, "expected.safetensors"))
    with open(os.path.join(folder, "case.json")) as f:
        image_token_id = json.load(f)["image_token_id"]

    with torch.no_grad():
        hidden = model(inputs["input_ids"], inputs["pixel_values"], inputs["attention_mask"], image_token_id)
        logits = model.logits(hidden)
        loss = model.loss(hidden, inputs["labels"])
    generated = model.generate_greedy(inputs["input_ids"], inputs["pixel_values"], inputs["attention_mask"],
                                      expected["generated"].shape[1], image_token_id)

    assert warnings == []
    assert (logits - expected["logits"]).abs().max().item() <= 2e-4
    assert abs(loss.item() - expected["loss"].item()) <= 1e-5 * abs(expected["loss"].item())
    assert torch.equal(generated, expected["generated"])


@pytest.mark.parametrize("case", CASES)
def test_a_checkpoint_round_trips_in_the_reference_layout(case, tmp_path):
    source = os.path.join(REFERENCE_CASES, case, "model")
    model, _ = checkpoint.load(source)
    checkpoint.save(model, str(tmp_path / "copy"))

    original = safetensors_io.load(os.path.join(source, "model.safetensors"))
    written = safetensors_io.load(str(tmp_path / "copy" / "model.safetensors"))
    assert sorted(written) == sorted(original)  # tied: decoder.head.weight only; inv_freq present
    for name, tensor in original.items():
        assert torch.equal(written[name], tensor), name
    with open(os.path.join(source, "config.json")) as a, open(tmp_path / "copy" / "config.json") as b:
        assert json.load(a) == json.load(b)


def test_pixel_shuffle_uses_nanovlm_order():
    # 4x4 patch grid, 1 channel, patch value = its index; factor 2.
    x = torch.arange(16.0).reshape(1, 16, 1)
    shuffled = pixel_shuffle(x, 2)
    assert shuffled.shape == (1, 4, 4)
    # token (ho=0, wo=1) holds rows 0..1, cols 2..3: patches 2, 3, 6, 7 with feature (i*s + j)
    assert shuffled[0, 1].tolist() == [2.0, 3.0, 6.0, 7.0]
    assert shuffled[0, 2].tolist() == [8.0, 9.0, 12.0, 13.0]


def test_a_checkpoint_that_does_not_fit_names_every_problem(tmp_path):
    source = os.path.join(REFERENCE_CASES, "basic-tied", "model")
    tensors = safetensors_io.load(os.path.join(source, "model.safetensors"))
    del tensors["MP.proj.weight"]
    tensors["decoder.norm.weight"] = torch.ones(5)
    tensors["extra.weight"] = torch.ones(1)
    model, _ = checkpoint.load(source)
    with pytest.raises(checkpoint.CheckpointMismatch) as error:
        checkpoint.import_state_dict(model, tensors, "test file")
    message = str(error.value)
    assert "MP.proj.weight" in message and "extra.weight" in message and "decoder.norm.weight: shape [5]" in message


def test_unknown_config_keys_are_warnings_not_errors():
    config, warnings = VlmConfig.from_dict({**VlmConfig().to_dict(), "lm_eos_token_id": 2})
    assert config.lm_vocab_size == 49218
    assert any("lm_eos_token_id" in w for w in warnings)


def test_invalid_configs_list_every_problem():
    problems = VlmConfig(mp_image_token_length=63, lm_n_kv_heads=4).validate()
    assert any("mp_image_token_length (63)" in p for p in problems)
    assert any("lm_n_heads (15) must be divisible by lm_n_kv_heads (4)" in p for p in problems)


def test_the_logits_command_writes_the_reference_outputs(tmp_path, capsys):
    from nanovlm_distributed import logits as logits_command
    folder = os.path.join(REFERENCE_CASES, "untied-generate")
    expected = safetensors_io.load(os.path.join(folder, "expected.safetensors"))
    code = logits_command.main(["--model", os.path.join(folder, "model"), "--input", os.path.join(folder, "input.safetensors"),
                                "--output", str(tmp_path / "out.safetensors"), "--generate", "12", "--image-token-id", "300"])
    assert code == 0
    written = safetensors_io.load(tmp_path / "out.safetensors")
    assert (written["logits"] - expected["logits"]).abs().max().item() <= 2e-4
    assert written["loss"].item() == pytest.approx(expected["loss"].item(), rel=1e-5)
    assert torch.equal(written["generated"], expected["generated"])
    assert "logits [2, 56, 366], loss 6.0727" in capsys.readouterr().out
