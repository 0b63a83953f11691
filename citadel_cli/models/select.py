"""Which files of a repo a pull fetches: safetensors weights plus config and tokenizer files.

Pickle weights (.bin, .pt, .pth, …) can run arbitrary code when loaded, so they are fetched
only with --allow-pickle, and only when the repo has no safetensors weights at all.
"""

from __future__ import annotations

from fnmatch import fnmatch

from citadel_cli.errors import CitadelError
from citadel_cli.models.hub import RemoteFile

# Matched against the full path, like huggingface_hub's allow_patterns.
ALLOW_PATTERNS = (
    "*.safetensors", "*.safetensors.index.json", "config.json", "generation_config.json",
    "tokenizer.json", "tokenizer_config.json", "tokenizer.model", "special_tokens_map.json",
    "added_tokens.json", "vocab.json", "vocab.txt", "merges.txt", "*.tiktoken",
    "chat_template.json", "chat_template.jinja", "preprocessor_config.json",
)
PICKLE_PATTERNS = ("*.bin", "*.pt", "*.pth", "*.pkl", "*.pickle", "*.ckpt", "*.bin.index.json")


def _matches(path: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch(path, pattern) for pattern in patterns)


def is_pickle(path: str) -> bool:
    return _matches(path, PICKLE_PATTERNS)


def select_files(repo: str, files: list[RemoteFile], allow_pickle: bool) -> tuple[list[RemoteFile], int]:
    """(files to fetch, bytes of pickle files left out); refuses a repo with only pickle weights."""
    wanted = [f for f in files if _matches(f.path, ALLOW_PATTERNS)]
    pickles = [f for f in files if is_pickle(f.path)]
    has_safetensors = any(f.path.endswith(".safetensors") for f in wanted)
    if has_safetensors:
        return wanted, sum(f.size for f in pickles)
    if not pickles:
        raise CitadelError(f"{repo} has no safetensors weights (files: {_names(files)})",
                           hint="pick a repo or revision that publishes .safetensors files")
    if not allow_pickle:
        raise CitadelError(
            f"{repo} only has pickle weights ({_names(pickles)}): loading them can run arbitrary code",
            hint="pass --allow-pickle if you trust this repo, or use a repo with .safetensors weights")
    return wanted + pickles, 0


def _names(files: list[RemoteFile], limit: int = 4) -> str:
    names = [f.path for f in files[:limit]]
    return ", ".join(names) + (f", … ({len(files)} in all)" if len(files) > limit else "") or "none"
