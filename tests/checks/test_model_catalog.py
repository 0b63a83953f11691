"""The catalog's facts and the one KV-cache formula."""

from __future__ import annotations

import json

from citadel_cli.model_catalog import CATALOG, architecture_for, kv_bytes_per_token, kv_cache_bytes


def test_reference_models_per_token_kv_and_weights():
    mixtral = CATALOG["mistralai/Mixtral-8x7B-Instruct-v0.1"]
    assert kv_bytes_per_token(mixtral) == 32 * 8 * 128 * 2 * 2 == 128 << 10
    assert kv_cache_bytes(mixtral, "auto", 32768, 1) == 4 << 30
    assert round(mixtral.weight_bytes() / 1e9, 1) == 93.4
    phi = CATALOG["microsoft/Phi-3-mini-4k-instruct"]
    assert kv_bytes_per_token(phi, "float32") == 32 * 32 * 96 * 2 * 4


def test_a_downloaded_config_json_wins_over_the_catalog(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({
        "num_hidden_layers": 2, "num_attention_heads": 4, "hidden_size": 128, "torch_dtype": "float32"}))
    arch = architecture_for("NousResearch/Hermes-2-Pro-Mistral-7B", tmp_path)
    assert (arch.layers, arch.kv_heads, arch.head_size, arch.dtype) == (2, 4, 32, "float32")
    assert arch.params == CATALOG["NousResearch/Hermes-2-Pro-Mistral-7B"].params
    assert architecture_for("someone/unknown", tmp_path / "absent") is None
