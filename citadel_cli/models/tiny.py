"""A tiny randomly-initialised Llama-style model, built without torch, for tests and the quick start.

Real architecture (LlamaForCausalLM) so transformers and vLLM load it; head size 32 because
vLLM's CPU attention has no kernel below that (shared notes: vllm-on-cpu.md). The tokenizer is
a byte-level BPE trained here on a fixed text, so the build needs no network and is
deterministic: same seed, same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field

from citadel_cli.fsutil import atomic_write
from citadel_cli.models.lockfile import lock_directory, write_lockfile

TINY_REPO = "citadel/tiny-llama"
HIDDEN, HEADS, LAYERS, INTERMEDIATE, TARGET_VOCAB, MAX_POSITIONS = 128, 4, 2, 256, 512, 2048
SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<pad>"]
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}"
    "{{ eos_token }}\n{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
# Enough varied text for a few hundred merges; fixed so the vocabulary never changes.
_CORPUS = [
    "The quick brown fox jumps over the lazy dog while the model server answers every request.",
    "A gateway routes chat completions to vLLM engines; each engine serves one model on its port.",
    "Operators pull weights, verify checksums, start services and watch latency, tokens and errors.",
    "Hello! How are you today? I am a tiny language model that knows almost nothing at all.",
    "user assistant system: please summarise the following text in one short sentence, thank you.",
    "Numbers 0 1 2 3 4 5 6 7 8 9 10 100 1000, dates 2024-01-31, code: def main(): return 42",
]


class TinyModel(BaseModel):
    path: str = Field(description="The folder written.")
    files: list[str] = Field(description="Files of the model.")
    size: int = Field(description="Total bytes.")
    vocab_size: int
    parameters: int
    seed: int


def make_tiny(target: Path, seed: int = 0) -> TinyModel:
    """Write the tiny model (and its lockfile) into `target`; rerunning rewrites the same bytes."""
    target.mkdir(parents=True, exist_ok=True)
    tokenizer = _train_tokenizer()
    vocab = tokenizer.get_vocab_size()
    special = {tok: tokenizer.token_to_id(tok) for tok in SPECIAL_TOKENS}
    atomic_write(target / "tokenizer.json", tokenizer.to_str(pretty=True))
    _write_json(target / "tokenizer_config.json", _tokenizer_config())
    _write_json(target / "special_tokens_map.json",
                {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"})
    _write_json(target / "config.json", _model_config(vocab, special))
    _write_json(target / "generation_config.json", {
        "_from_model_config": True, "bos_token_id": special["<s>"], "eos_token_id": special["</s>"],
        "pad_token_id": special["<pad>"]})
    parameters = _write_weights(target / "model.safetensors", vocab, seed)
    lock = lock_directory(target, repo=TINY_REPO, revision=f"seed-{seed}", commit=None, source="tiny")
    write_lockfile(target, lock)
    return TinyModel(path=str(target), files=[f.path for f in lock.files], size=lock.total_size,
                     vocab_size=vocab, parameters=parameters, seed=seed)


def _train_tokenizer():  # -> tokenizers.Tokenizer
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=TARGET_VOCAB, special_tokens=SPECIAL_TOKENS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(_CORPUS * 4, trainer=trainer)
    bos = tokenizer.token_to_id("<s>")
    # Llama prepends <s>; transformers and vLLM expect the tokenizer to do it.
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", bos)])
    return tokenizer


def _tokenizer_config() -> dict:
    return {
        "tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>",
        "unk_token": "<unk>", "pad_token": "<pad>", "model_max_length": MAX_POSITIONS,
        "clean_up_tokenization_spaces": False, "chat_template": CHAT_TEMPLATE,
    }


def _model_config(vocab: int, special: dict[str, int]) -> dict:
    return {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": HIDDEN,
        "intermediate_size": INTERMEDIATE, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
        "num_key_value_heads": HEADS, "head_dim": HIDDEN // HEADS, "vocab_size": vocab,
        "max_position_embeddings": MAX_POSITIONS, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
        "hidden_act": "silu", "initializer_range": 0.02, "attention_bias": False, "mlp_bias": False,
        "tie_word_embeddings": False, "torch_dtype": "float32", "use_cache": True,
        "bos_token_id": special["<s>"], "eos_token_id": special["</s>"], "pad_token_id": special["<pad>"],
    }


def _write_weights(path: Path, vocab: int, seed: int) -> int:
    """Random normal weights (std 0.02, like initializer_range), unit norms; returns the parameter count."""
    import numpy as np
    from safetensors.numpy import save

    rng = np.random.default_rng(seed)
    tensors: dict = {}

    def normal(name: str, *shape: int) -> None:
        tensors[name] = rng.normal(0.0, 0.02, shape).astype(np.float32)

    normal("model.embed_tokens.weight", vocab, HIDDEN)
    for i in range(LAYERS):
        prefix = f"model.layers.{i}"
        for proj in ("q_proj", "k_proj", "v_proj", "o_proj"):
            normal(f"{prefix}.self_attn.{proj}.weight", HIDDEN, HIDDEN)
        normal(f"{prefix}.mlp.gate_proj.weight", INTERMEDIATE, HIDDEN)
        normal(f"{prefix}.mlp.up_proj.weight", INTERMEDIATE, HIDDEN)
        normal(f"{prefix}.mlp.down_proj.weight", HIDDEN, INTERMEDIATE)
        tensors[f"{prefix}.input_layernorm.weight"] = np.ones(HIDDEN, np.float32)
        tensors[f"{prefix}.post_attention_layernorm.weight"] = np.ones(HIDDEN, np.float32)
    tensors["model.norm.weight"] = np.ones(HIDDEN, np.float32)
    normal("lm_head.weight", vocab, HIDDEN)
    # "format": "pt" is what transformers checks before loading a safetensors file as PyTorch weights.
    atomic_write(path, save(tensors, metadata={"format": "pt"}))
    return int(sum(t.size for t in tensors.values()))


def _write_json(path: Path, data: dict) -> None:
    atomic_write(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
