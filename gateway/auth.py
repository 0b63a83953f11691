"""Who may call: API keys from the key store, checked in constant time, reloaded when the
database changes (so `citadel-llm keys revoke` takes effect within a second, no restart)."""

from __future__ import annotations

import hmac
import os
import time
from pathlib import Path

from gateway.keys import KeyStore, key_hash, split_key

_RELOAD_EVERY_S = 1.0


class Authenticator:
    def __init__(self, keys_db: Path | None, admin_key: str | None) -> None:
        self.store = KeyStore(keys_db) if keys_db else None
        self.admin_key = admin_key
        self.hashes: dict[str, tuple[bytes, bytes]] = {}
        self.used: dict[str, float] = {}
        self._mtime = -1.0
        self._checked = 0.0
        self.reload()

    def reload(self) -> None:
        if self.store is None:
            return
        try:
            mtime = os.stat(self.store.path).st_mtime
        except FileNotFoundError:
            mtime = 0.0
        if mtime != self._mtime:
            self.hashes = self.store.live_hashes()
            self._mtime = mtime

    def verify(self, key: str) -> str | None:
        """The key's id when it is a live key, else None."""
        now = time.monotonic()
        if now - self._checked > _RELOAD_EVERY_S:
            self._checked = now
            self.reload()
        parts = split_key(key)
        if parts is None:
            return None
        entry = self.hashes.get(parts[0])
        if entry is None:
            return None
        if not hmac.compare_digest(key_hash(entry[0], parts[1]), entry[1]):
            return None
        self.used[parts[0]] = time.time()
        return parts[0]

    def verify_admin(self, key: str | None) -> bool:
        return bool(self.admin_key and key) and hmac.compare_digest(key.encode(), self.admin_key.encode())

    def flush_usage(self) -> None:
        used, self.used = self.used, {}
        if self.store is not None:
            self.store.touch(used)


def key_from_headers(authorization: bytes | None, x_api_key: bytes | None) -> str | None:
    """The presented key: `Authorization: Bearer <key>` or `X-API-Key: <key>`."""
    if authorization:
        scheme, _, value = authorization.partition(b" ")
        if scheme.lower() == b"bearer" and value.strip():
            return value.strip().decode("latin-1")
    if x_api_key:
        return x_api_key.strip().decode("latin-1")
    return None
