"""Secrets out of everything diagnose shows or bundles.

Two layers: patterns for the shapes secrets take (HF tokens, our API keys, bearer tokens, passwords
in URLs, KEY=value where the name looks secret), and literals known to be secret on this host
(values of secret-looking variables in the env files, key ids from the keys database) so that a
secret is caught even where it appears without its name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

MASK = "***"
# "token" but not "tokens"/"tokenizer" (max_tokens, prompt_tokens_total are figures, not secrets).
SECRET_NAME = r"[A-Za-z0-9_.-]*(?:token(?!s|iz)|secret|passw(?:or)?d|passwd|api[_-]?key|apikey|" \
              r"access[_-]?key|private[_-]?key|credential)[A-Za-z0-9_.-]*"
_SECRET_NAME_RE = re.compile(rf"^{SECRET_NAME}$", re.I)
PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"hf_[A-Za-z0-9]{8,}"), f"hf_{MASK}"),  # Hugging Face tokens
    (re.compile(r"cit_[A-Za-z0-9]+_[A-Za-z0-9_-]+"), f"cit_{MASK}"),  # our gateway API keys
    (re.compile(r"\bsk-[A-Za-z0-9_-]{8,}"), f"sk-{MASK}"),  # OpenAI-style keys
    (re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{4,}"), rf"\1\2{MASK}"),
    (re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*):[^@\s/]+@"), rf"\1:{MASK}@"),  # user:password@host
    # --api-key VALUE, --hf-token=VALUE
    (re.compile(rf"(?i)(--{SECRET_NAME}[= ])(\S+)"), rf"\1{MASK}"),
    # NAME=value, "name": "value", name: value where NAME looks secret (env files, YAML, JSON, logs)
    (re.compile(rf"(?i)([\"']?\b{SECRET_NAME}[\"']?\s*[=:]\s*)([\"']?)([^\s\"',}}]+)"), rf"\1\2{MASK}"),
]


class Redactor:
    def __init__(self, literals: Iterable[str] = ()) -> None:
        # Longest first, so a secret containing another is masked whole; short values would mask
        # ordinary words, so they are left to the patterns.
        self.literals = sorted({s for s in literals if len(s) >= 6}, key=len, reverse=True)

    def text(self, value: str) -> str:
        # Patterns first: a literal masked inside a key (its id) would hide the key's shape from them.
        for pattern, replacement in PATTERNS:
            value = pattern.sub(replacement, value)
        for literal in self.literals:
            value = value.replace(literal, MASK)
        return value

    def data(self, value: Any) -> Any:
        """Every string inside nested dicts and lists, keys included; values under secret-looking keys masked."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)) if isinstance(k, str) else k:
                    (MASK if isinstance(k, str) and is_secret_name(k) and isinstance(v, str) and v else self.data(v))
                    for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME_RE.match(name))


def host_redactor(env_files: Iterable[Path], keys_db: Path) -> Redactor:
    """A Redactor that also knows this host's secrets: secret env values and the keys database's ids."""
    return Redactor([*_env_secrets(env_files), *_key_ids(keys_db)])


def _env_secrets(env_files: Iterable[Path]) -> list[str]:
    from citadel_cli.host.supervisor import read_env_file

    found = []
    for path in env_files:
        for name, value in read_env_file(path).items():
            if is_secret_name(name) or Redactor().text(value) != value:
                found.append(value)
    return found


def _key_ids(keys_db: Path) -> list[str]:
    """Ids of the API keys: they are the first half of every key, so they too mark a leaked key."""
    import sqlite3
    from contextlib import closing

    if not keys_db.is_file():
        return []
    try:
        with closing(sqlite3.connect(f"file:{keys_db}?mode=ro", uri=True, timeout=1)) as conn:
            return [row[0] for row in conn.execute("SELECT id FROM keys")]
    except sqlite3.Error:
        return []  # unreadable or not ours: the cit_ pattern still masks whole keys
