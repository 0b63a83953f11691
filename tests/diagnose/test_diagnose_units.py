"""Fast tests of the pure parts: redaction patterns, log signatures, severity order."""

from __future__ import annotations

import pytest

from citadel_cli.checks.findings import Level
from citadel_cli.diagnose.facts.logs import scan
from citadel_cli.diagnose.model import Diagnosis, by_severity
from citadel_cli.diagnose.redact import Redactor


@pytest.mark.parametrize(("text", "secret"), [
    ("HF_TOKEN=hf_abcdefghijklmnop", "hf_abcdefghijklmnop"),
    ("token hf_abcdefghijklmnop used", "hf_abcdefghijklmnop"),
    ("Authorization: Bearer abc.def-123456", "abc.def-123456"),
    ("fetch https://bob:pw123secret@host:80/x", "pw123secret"),
    ("key cit_0a1b2c3d4e5f_XyZ-09abcdef used", "XyZ-09abcdef"),
    ('DB_PASSWORD="hunter22x"', "hunter22x"),
    ("--api-key sk-abcdefghijklm", "sk-abcdefghijklm"),
    ('{"api_key": "zzzzzzzz"}', "zzzzzzzz"),
])
def test_patterns_mask_secrets(text, secret):
    assert secret not in Redactor().text(text)


def test_literals_and_figures():
    redactor = Redactor(["plainvalue42", "short"])
    assert redactor.text("x plainvalue42 y short") == "x *** y short"  # short literals are left to patterns
    assert redactor.text("max_num_batched_tokens: 512 tokenizer: x") == "max_num_batched_tokens: 512 tokenizer: x"
    assert redactor.data({"hf_token": "abc", "auth": True}) == {"hf_token": "***", "auth": True}


@pytest.mark.parametrize(("line", "signature"), [
    ("Out of memory: Killed process 42 (python)", "oom"),
    ("OSError: [Errno 98] Address already in use", "address_in_use"),
    ("safetensors_rust.SafetensorError: Error while deserializing header: HeaderTooLarge", "model_files"),
    ("PermissionError: [Errno 13] Permission denied: '/opt/citadel/models'", "permission"),
    ("ValueError: No available memory for the cache blocks.", "kv_cache"),
    ("main process killed by signal 4 (ILL): Illegal instruction", "illegal_instruction"),
])
def test_signatures(line, signature):
    assert signature in {hit.signature for hit in scan("m", [line])}


def test_exception_names_its_last_line_and_counts():
    lines = ["Traceback (most recent call last):", '  File "a.py"', "KeyError: 'x'"] * 2
    (hit,) = scan("m", lines)
    assert (hit.signature, hit.line, hit.count) == ("exception", "KeyError: 'x'", 2)


def test_failures_first():
    made = [Diagnosis(id=str(i), level=lvl, summary="s") for i, lvl in enumerate((Level.ok, Level.fail, Level.warn))]
    assert [f.level for f in by_severity(made)] == [Level.fail, Level.warn, Level.ok]
