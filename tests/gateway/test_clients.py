"""The official openai client against the gateway, and schemathesis over its OpenAPI schema."""

from __future__ import annotations

import pytest
import schemathesis
from gwhelpers import backends, wait_for
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.integration


def test_openai_client_chat_stream_models(sims, gateway):
    openai = pytest.importorskip("openai")
    a = sims("model-a")
    gw = gateway(models=backends(**{"model-a": [a.base_url]}), aliases={"gpt-4o": "model-a"})
    client = openai.OpenAI(base_url=f"{gw.url}/v1", api_key="unused", max_retries=0, timeout=10)
    chat = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}],
                                          max_tokens=4)
    assert chat.choices[0].message.content and chat.model == "model-a"
    stream = client.chat.completions.create(model="model-a", messages=[{"role": "user", "content": "hi"}],
                                            max_tokens=4, stream=True)
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text
    assert {m.id for m in client.models.list()} == {"model-a", "gpt-4o"}
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "hi"}])


def test_schemathesis_no_server_errors_and_conforming_responses(sims, gateway):
    a = sims("model-a")
    gw = gateway(models=backends(**{"model-a": [a.base_url]}), default_model="model-a")
    wait_for(lambda: gw.backend("model-a").healthy, 10, "backend healthy")
    # Operator endpoints change state (drain): they have their own tests.
    schema = schemathesis.openapi.from_url(f"{gw.url}/openapi.json").exclude(path_regex="^/admin")
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            case.call_and_validate(timeout=10, checks=checks)

        run()
        tested.append(operation.path)
    assert "/v1/chat/completions" in tested and "/servers/status" in tested
