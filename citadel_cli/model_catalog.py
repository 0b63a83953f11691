"""What the reference models are made of, known before a byte is downloaded.

Memory fit must answer "will mixtral-8x7b start here?" before a 93 GB download, so the facts a
sizing needs are copied from each repository's public config.json (layers, KV heads, head size,
torch_dtype) and from the published parameter counts. A downloaded model's own config.json wins
over this table (`architecture_for`). The KV-cache formula lives here, once: the checks and the
engine both size the cache with `kv_cache_bytes`.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field

# Bytes per element of the dtypes vLLM accepts for --dtype (and HF's torch_dtype spellings).
DTYPE_BYTES = {"float32": 4, "float": 4, "bfloat16": 2, "float16": 2, "half": 2}


class Architecture(BaseModel):
    """The numbers that decide memory: weights and the per-token KV cache."""

    layers: int = Field(gt=0, description="num_hidden_layers")
    kv_heads: int = Field(gt=0, description="num_key_value_heads (attention heads without GQA)")
    head_size: int = Field(gt=0, description="head_dim, else hidden_size / num_attention_heads")
    dtype: str = Field("bfloat16", description="torch_dtype of the published weights")
    params: int | None = Field(None, description="Parameter count, when published")
    max_position: int | None = Field(None, description="max_position_embeddings")
    source: str = Field("catalog", description="Where these facts came from")

    def weight_bytes(self, dtype: str = "auto") -> int | None:
        """Bytes of the weights loaded in `dtype` ("auto": the published dtype)."""
        if self.params is None:
            return None
        return self.params * dtype_bytes(dtype, self)


# From each repo's config.json (revision main) and the parameter counts of the safetensors index.
CATALOG: dict[str, Architecture] = {
    # MixtralForCausalLM: 8 experts, hidden 4096, 32 heads, GQA with 8 KV heads, head_dim 128.
    "mistralai/Mixtral-8x7B-Instruct-v0.1": Architecture(
        layers=32, kv_heads=8, head_size=128, dtype="bfloat16", params=46_702_792_704, max_position=32768),
    # MistralForCausalLM, vocab 32032 (ChatML tokens added).
    "NousResearch/Hermes-2-Pro-Mistral-7B": Architecture(
        layers=32, kv_heads=8, head_size=128, dtype="bfloat16", params=7_241_994_240, max_position=32768),
    # MistralForCausalLM, vocab 32002.
    "openchat/openchat-3.5-0106": Architecture(
        layers=32, kv_heads=8, head_size=128, dtype="bfloat16", params=7_241_748_480, max_position=8192),
    # Phi3ForCausalLM: hidden 3072, 32 heads, no GQA (32 KV heads), head size 96.
    "microsoft/Phi-3-mini-4k-instruct": Architecture(
        layers=32, kv_heads=32, head_size=96, dtype="bfloat16", params=3_821_079_552, max_position=4096),
}


def dtype_bytes(dtype: str, arch: Architecture | None = None) -> int:
    """Bytes per element; "auto" means the weights' own dtype (vLLM's behaviour)."""
    name = (arch.dtype if arch else "bfloat16") if dtype == "auto" else dtype
    name = name.removeprefix("torch.")
    if name not in DTYPE_BYTES:
        raise ValueError(f"unknown dtype {name!r} (known: {', '.join(DTYPE_BYTES)}, auto)")
    return DTYPE_BYTES[name]


def kv_bytes_per_token(arch: Architecture, dtype: str = "auto") -> int:
    """K and V, for every layer and KV head: layers x KV heads x head size x 2 x dtype bytes."""
    return arch.layers * arch.kv_heads * arch.head_size * 2 * dtype_bytes(dtype, arch)


def kv_cache_bytes(arch: Architecture, dtype: str, context_length: int, max_num_seqs: int) -> int:
    """The cache that holds `max_num_seqs` sequences of `context_length` tokens at once."""
    return kv_bytes_per_token(arch, dtype) * context_length * max_num_seqs


def from_config_json(path: Path) -> Architecture | None:
    """The architecture a downloaded model declares, None when the file is absent or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # not downloaded, or half-written: the caller falls back to the catalog
    text = data.get("text_config") or data  # multimodal configs nest the language model
    try:
        heads = int(text["num_attention_heads"])
        head_size = int(text.get("head_dim") or int(text["hidden_size"]) // heads)
        return Architecture(
            layers=int(text["num_hidden_layers"]), kv_heads=int(text.get("num_key_value_heads") or heads),
            head_size=head_size, dtype=str(text.get("torch_dtype") or data.get("torch_dtype") or "float32"),
            max_position=text.get("max_position_embeddings"), source=str(path),
        )
    except (KeyError, TypeError, ValueError):
        return None


def architecture_for(repo: str, model_dir: Path | None = None) -> Architecture | None:
    """The model's own config.json when downloaded, else the catalog entry, else None."""
    if model_dir is not None:
        found = from_config_json(model_dir / "config.json")
        if found is not None:
            known = CATALOG.get(repo)
            return found.model_copy(update={"params": known.params}) if known else found
    return CATALOG.get(repo)
