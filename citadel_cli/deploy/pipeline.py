"""The deploy pipeline: install -> pull -> check -> start (engines until ready, then the gateway)
-> probe -> summary.

Each step is idempotent, so re-running a deploy continues from where things stand: install
reports unchanged files, pull skips verified weights, check accepts ports held by our own
services, start leaves running services alone. The first failing step stops the deploy and
the result names it, the reason and the command to run next.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from pydantic import BaseModel

from citadel_cli.config import EngineKind, ModelSpec, Profile
from citadel_cli.context import AppContext
from citadel_cli.deploy.local import engine_note
from citadel_cli.errors import CitadelError
from citadel_cli.services import GATEWAY, gateway_service

Event = Callable[[str, str, str], None]


class StepOutcome(BaseModel):
    step: str
    ok: bool
    seconds: float
    detail: str


class ModelSummary(BaseModel):
    key: str
    engine: str
    state: str  # ready | failed | planned
    url: str
    load_s: float | None = None
    first_token_ms: float | None = None
    error: str | None = None


class DeployResult(BaseModel):
    ok: bool
    dry_run: bool
    profile: str
    backend: str
    engines: str  # in words: real vLLM, or the simulator standing in
    steps: list[StepOutcome]
    models: list[ModelSummary]
    gateway_url: str | None = None
    example: str | None = None
    failed_step: str | None = None
    error: str | None = None
    hint: str | None = None


class StepFailed(CitadelError):
    """A deploy step could not finish; carries the step name."""

    def __init__(self, step: str, message: str, hint: str | None) -> None:
        super().__init__(message, hint)
        self.step = step


def _quiet(_name: str, _phase: str, _detail: str) -> None:
    """No progress display."""


class Deployment:
    """One deploy run over the selected models."""

    def __init__(self, app: AppContext, keys: list[str] | None, dry_run: bool, *, rolling: bool = False,
                 on_event: Event = _quiet) -> None:
        self.app = app
        self.config = app.config
        self.paths = app.paths
        self.specs: list[ModelSpec] = self.config.select(keys)
        self.dry_run = dry_run
        self.rolling = rolling
        self.running_before: set[str] = set()  # engines already up when a --rolling deploy began
        self.on_event = on_event
        self.steps: list[StepOutcome] = []
        self.models: dict[str, ModelSummary] = {
            s.key: ModelSummary(key=s.key, engine=s.engine.value, state="planned", url=f"http://{s.host}:{s.port}")
            for s in self.specs
        }
        self.backend = "-"

    # --- the run -------------------------------------------------------------------------------

    def run(self) -> DeployResult:
        from citadel_cli.deploy import steps

        plan = [("install", steps.install), ("pull", steps.pull), ("check", steps.check)]
        if not self.dry_run:
            plan += [("start", steps.start)]
            plan += [("rolling", steps.rolling)] if self.rolling else []
            plan += [("probe", steps.probe)]
        for name, func in plan:
            try:
                self._step(name, func)
            except StepFailed as exc:
                return self._result(failed=exc)
            except CitadelError as exc:
                return self._result(failed=StepFailed(name, exc.message, exc.hint))
        return self._result()

    def _step(self, name: str, func: Callable[[Deployment], str]) -> None:
        self.on_event(name, "running", "")
        started = time.monotonic()
        try:
            detail = func(self)
        except CitadelError as exc:
            self.steps.append(StepOutcome(step=name, ok=False, seconds=_since(started), detail=exc.message))
            self.on_event(name, "failed", exc.message)
            raise
        self.steps.append(StepOutcome(step=name, ok=True, seconds=_since(started), detail=detail))
        self.on_event(name, "done", detail)

    def _result(self, failed: StepFailed | None = None) -> DeployResult:
        gateway = gateway_service(self.config, self.paths)
        ok = failed is None
        return DeployResult(
            ok=ok, dry_run=self.dry_run, profile=self.config.profile.value, backend=self.backend,
            engines=engine_note(self.config), steps=self.steps, models=list(self.models.values()),
            gateway_url=gateway.base_url if ok and not self.dry_run else None,
            example=self._example(gateway.base_url) if ok and not self.dry_run else None,
            failed_step=failed.step if failed else None, error=failed.message if failed else None,
            hint=failed.hint if failed else None,
        )

    def _example(self, base_url: str) -> str:
        model = self.specs[0].key if self.specs else self.config.gateway.default_model
        auth = " -H 'Authorization: Bearer $CITADEL_API_KEY'" if self.config.gateway.auth else ""
        body = json.dumps({"model": model, "messages": [{"role": "user", "content": "Hello!"}]})
        return f"curl -s {base_url}/v1/chat/completions -H 'Content-Type: application/json'{auth} -d '{body}'"

    # --- helpers the steps share -----------------------------------------------------------------

    @property
    def weighted_specs(self) -> list[ModelSpec]:
        """Models whose engine needs weights on disk (the simulator needs none)."""
        return [s for s in self.specs if s.engine is EngineKind.vllm]

    @property
    def local(self) -> bool:
        return self.config.profile is Profile.local

    def targets(self) -> list[str]:
        return [s.key for s in self.specs] + [GATEWAY]


def _since(started: float) -> float:
    return round(time.monotonic() - started, 2)
