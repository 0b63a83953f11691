"""429s (concurrency, per-key rate), API keys (store, headers, revocation, never logged)."""

from __future__ import annotations

import concurrent.futures
import logging
import stat

import httpx
import pytest
from gwhelpers import backends, wait_for

from gateway.keys import KeyStore

pytestmark = pytest.mark.integration

CHAT = {"model": "model-a", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2}


def _two_at_once(url: str) -> list[httpx.Response]:
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        return list(pool.map(lambda _: httpx.post(f"{url}/v1/chat/completions", json=CHAT, timeout=10), range(2)))


@pytest.mark.parametrize("limits", [{"max_concurrent": 1}, {"per_model_concurrent": {"model-a": 1}}])
def test_concurrency_caps_answer_429_with_retry_after(sims, gateway, limits):
    a = sims("model-a", "--ttft-ms", "400")
    gw = gateway(models=backends(**{"model-a": [a.base_url]}), **limits)
    statuses = sorted(r.status_code for r in _two_at_once(gw.url))
    assert statuses == [200, 429]
    rejected = next(r for r in _two_at_once(gw.url) if r.status_code == 429)
    assert rejected.headers["retry-after"] == "1" and rejected.json()["error"]["type"] == "rate_limit_error"


@pytest.fixture
def keyed(sims, gateway, tmp_path):
    a = sims("model-a")
    store = KeyStore(tmp_path / "etc" / "keys.sqlite3")
    record, key = store.create("tests")
    gw = gateway(models=backends(**{"model-a": [a.base_url]}), auth=True, keys_db=store.path,
                 rate_limit_rpm=60, rate_limit_burst=3)
    return gw, store, record, key


def test_keys_store_only_salted_hashes_in_a_0600_file(tmp_path):
    store = KeyStore(tmp_path / "keys.sqlite3")
    _, key1 = store.create("a")
    _, key2 = store.create("b")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    raw = store.path.read_bytes()
    assert key1.encode() not in raw and key1.split("_")[-1].encode() not in raw
    salts = {salt for salt, _ in store.live_hashes().values()}
    assert len(salts) == 2 and key1 != key2


def test_auth_with_bearer_or_x_api_key(keyed, caplog):
    gw, _, _, key = keyed
    caplog.set_level(logging.DEBUG)
    url = f"{gw.url}/v1/chat/completions"
    assert httpx.post(url, json=CHAT).status_code == 401
    assert httpx.post(url, json=CHAT, headers={"Authorization": "Bearer cit_bad_key"}).status_code == 401
    assert httpx.post(url, json=CHAT, headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert httpx.post(url, json=CHAT, headers={"X-API-Key": key}).status_code == 200
    assert httpx.get(f"{gw.url}/v1/models").status_code == 401
    assert httpx.get(f"{gw.url}/v1/models", headers={"X-API-Key": key}).status_code == 200
    assert key not in caplog.text and key.split("_")[-1] not in caplog.text


def test_revoked_key_is_refused_without_restart(keyed):
    gw, store, record, key = keyed
    headers = {"Authorization": f"Bearer {key}"}
    assert httpx.post(f"{gw.url}/v1/chat/completions", json=CHAT, headers=headers).status_code == 200
    assert store.revoke(record.id)
    wait_for(lambda: httpx.post(f"{gw.url}/v1/chat/completions", json=CHAT, headers=headers).status_code == 401,
             5, "revocation seen")


def test_rate_limit_per_key_with_burst(keyed):
    gw, _, _, key = keyed
    headers = {"X-API-Key": key}
    codes = [httpx.post(f"{gw.url}/v1/chat/completions", json=CHAT, headers=headers).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and 429 in codes[3:]
    limited = httpx.post(f"{gw.url}/v1/chat/completions", json=CHAT, headers=headers)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1


def test_keys_cli_create_list_revoke(cli, tmp_path):
    created = cli("--root", tmp_path, "--json", "keys", "create", "ci-bot")
    assert created.exit_code == 0, created.output
    import json

    info = json.loads(created.stdout)
    assert info["key"].startswith("cit_")
    listed = json.loads(cli("--root", tmp_path, "--json", "keys", "list").stdout)
    assert [k["name"] for k in listed] == ["ci-bot"] and info["key"] not in json.dumps(listed)
    assert cli("--root", tmp_path, "keys", "revoke", info["id"]).exit_code == 0
    assert cli("--root", tmp_path, "keys", "revoke", info["id"]).exit_code == 1
