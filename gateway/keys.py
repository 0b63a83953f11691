"""API keys in SQLite: only a salted SHA-256 of each key is stored, never the key.

A key reads `cit_<id>_<secret>`: the id finds the row without scanning, the secret (32 random
bytes) is what is hashed. A fast hash is enough here because the secret is random, not a
password a person chose; it keeps verification off the request's critical path.
The database file is created 0600 before SQLite opens it, so it is never readable by others.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

PREFIX = "cit_"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS keys (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, salt BLOB NOT NULL, hash BLOB NOT NULL,
    created REAL NOT NULL, last_used REAL, revoked REAL
)"""


@dataclass(frozen=True)
class KeyRecord:
    id: str
    name: str
    created: float
    last_used: float | None
    revoked: float | None


def key_hash(salt: bytes, secret: str) -> bytes:
    return hashlib.sha256(salt + secret.encode()).digest()


def split_key(key: str) -> tuple[str, str] | None:
    """(id, secret) of a well-formed key, else None."""
    if not key.startswith(PREFIX):
        return None
    key_id, sep, secret = key[len(PREFIX):].partition("_")
    return (key_id, secret) if sep and key_id and secret else None


class KeyStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self, create: bool = False) -> sqlite3.Connection:
        if create and not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        if create:
            os.chmod(self.path, 0o600)  # also tightens a file someone created by hand
        conn = sqlite3.connect(self.path, timeout=5)
        conn.execute(_SCHEMA)
        return conn

    def create(self, name: str) -> tuple[KeyRecord, str]:
        """A new key: its record, and the key itself (shown once, never stored)."""
        key_id, secret, salt = secrets.token_hex(6), secrets.token_urlsafe(32), secrets.token_bytes(16)
        record = KeyRecord(id=key_id, name=name, created=time.time(), last_used=None, revoked=None)
        with closing(self._connect(create=True)) as conn, conn:
            conn.execute("INSERT INTO keys (id, name, salt, hash, created) VALUES (?, ?, ?, ?, ?)",
                         (key_id, name, salt, key_hash(salt, secret), record.created))
        return record, f"{PREFIX}{key_id}_{secret}"

    def list(self) -> list[KeyRecord]:
        if not self.path.exists():
            return []
        with closing(self._connect()) as conn:
            rows = conn.execute("SELECT id, name, created, last_used, revoked FROM keys ORDER BY created")
            return [KeyRecord(*row) for row in rows]

    def revoke(self, key_id: str) -> bool:
        """True when a live key was revoked."""
        if not self.path.exists():
            return False
        with closing(self._connect()) as conn, conn:
            cur = conn.execute("UPDATE keys SET revoked = ? WHERE (id = ? OR name = ?) AND revoked IS NULL",
                               (time.time(), key_id, key_id))
            return cur.rowcount > 0

    def live_hashes(self) -> dict[str, tuple[bytes, bytes]]:
        """id -> (salt, hash) of every key not revoked."""
        if not self.path.exists():
            return {}
        with closing(self._connect()) as conn:
            rows = conn.execute("SELECT id, salt, hash FROM keys WHERE revoked IS NULL")
            return {key_id: (salt, digest) for key_id, salt, digest in rows}

    def touch(self, used: dict[str, float]) -> None:
        """Record when keys were last used (batched by the gateway, not per request)."""
        if not used or not self.path.exists():
            return
        with closing(self._connect()) as conn, conn:
            conn.executemany("UPDATE keys SET last_used = ? WHERE id = ?", [(t, k) for k, t in used.items()])
