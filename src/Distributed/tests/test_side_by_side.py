"""The side-by-side benchmark gives PyTorch the shape the C# engine's rows had: the same views and tokens per row."""
from nanovlm_distributed import config as model_presets
from nanovlm_distributed.side_by_side import matching_pytorch_shape


def test_pytorch_rows_get_the_csharp_rows_views_and_tokens():
    # a C# row of nanoVLM-460M at batch 2: one 512 px view a row, 256 tokens a row
    row = {"ViewsPerSample": 1.0, "TokensPerStep": 512.0, "BatchSize": 2}
    tiles, text_tokens = matching_pytorch_shape("nanoVLM-460M", row, labelled=10)
    image_tokens = model_presets.preset("nanoVLM-460M").mp_image_token_length
    assert tiles == 1
    assert tiles * image_tokens + text_tokens == 256


def test_at_least_one_unlabelled_text_token_remains():
    row = {"ViewsPerSample": 2.0, "TokensPerStep": 100.0, "BatchSize": 1}  # fewer tokens than the views' placeholders
    tiles, text_tokens = matching_pytorch_shape("small", row, labelled=10)
    assert tiles == 2
    assert text_tokens == 11
