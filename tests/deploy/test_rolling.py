"""A rolling restart under constant load (bounded, 127.0.0.1 only) drops no request."""

from __future__ import annotations

import json
import threading
import time

import httpx

from tests.deploy.conftest import MODELS

LOAD_LIMIT_S = 120  # the load loop stops by itself even if the restart hangs
LOAD_MAX_REQUESTS = 20_000


class Load:
    """Chat requests through the gateway, round robin over the models, streams and not, until stopped."""

    def __init__(self, gateway_url: str) -> None:
        self.url = f"{gateway_url}/v1/chat/completions"
        self.ok = 0
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        deadline = time.monotonic() + LOAD_LIMIT_S
        with httpx.Client(timeout=30) as client:
            n = 0
            while not self.stop.is_set() and time.monotonic() < deadline and n < LOAD_MAX_REQUESTS:
                model, stream = MODELS[n % len(MODELS)], n % 3 == 0
                n += 1
                self._one(client, model, stream)

    def _one(self, client: httpx.Client, model: str, stream: bool) -> None:
        body = {"model": model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4, "stream": stream}
        try:
            response = client.post(self.url, json=body)
        except httpx.HTTPError as exc:
            self.failures.append(f"{model}: {exc!r}")
            return
        complete = response.status_code == 200 and (not stream or response.text.rstrip().endswith("data: [DONE]"))
        if complete:
            self.ok += 1
        else:
            self.failures.append(f"{model}: HTTP {response.status_code} {response.text[:120]}")


def test_rolling_restart_under_load_fails_no_request(cli, local):
    assert cli("deploy", "--profile", "local", "--yes").exit_code == 0
    before = {s["name"]: s["pid"] for s in json.loads(cli("status", "--json").stdout)}
    load = Load(local.gateway_url)
    load.thread.start()
    started = time.monotonic()
    result = cli("restart", "--rolling", "--json")
    seconds = time.monotonic() - started
    load.stop.set()
    load.thread.join(timeout=30)
    assert result.exit_code == 0, result.stderr
    rolled = json.loads(result.stdout)
    print(f"\nrolling restart of {len(MODELS)} models: {seconds:.1f} s, {load.ok} requests ok, "
          f"{len(load.failures)} failed")
    assert [m["model"] for m in rolled["models"]] == list(MODELS)
    assert all(m["ok"] and m["surge"] for m in rolled["models"])  # one server each: a surge replica carried it
    assert load.failures == [], load.failures[:5]
    assert load.ok > 50
    after = {s["name"]: s["pid"] for s in json.loads(cli("status", "--json").stdout)}
    assert all(after[m] != before[m] for m in MODELS), "every engine restarted"
    assert after["gateway"] == before["gateway"], "the gateway itself is not restarted"


def test_deploy_rolling_restarts_what_was_running(cli, local):
    assert cli("deploy", "--profile", "local", "--yes", "phi-3-mini").exit_code == 0
    result = cli("deploy", "--profile", "local", "--yes", "--rolling", "--json")
    assert result.exit_code == 0, result.stderr
    steps = {s["step"]: s for s in json.loads(result.stdout)["steps"]}
    assert steps["rolling"]["detail"].startswith("restarted 1 model(s)")
