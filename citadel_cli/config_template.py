"""A commented YAML config, generated from the settings model so it never drifts from it."""

from __future__ import annotations

from enum import Enum
from typing import Any

import yaml
from pydantic import BaseModel

from citadel_cli.config import CitadelConfig
from citadel_cli.sizes import format_size

_SIZE_FIELDS = {"memory", "kv_cache", "max_body_bytes"}
_HEADER = """\
# citadel-llm configuration ({profile} profile).
# Every key below is shown with its default; delete what you do not change.
# Environment variables override any key: CITADEL_GATEWAY__PORT=9000,
# CITADEL_MODELS__HERMES_2__ENABLED=false. A model set to null is removed.
# Check a file with: citadel-llm config validate FILE
"""


def render_config_yaml(config: CitadelConfig) -> str:
    lines = [_HEADER.format(profile=config.profile.value)]
    for name, field in CitadelConfig.model_fields.items():
        value = getattr(config, name)
        lines.append(f"# {field.description}")
        if name == "models":
            lines.append("models:")
            for key, spec in value.items():
                lines.append(f"  {key}:")
                lines.extend(_section(spec, indent=4, skip={"key"}))
        elif isinstance(value, BaseModel):
            lines.append(f"{name}:")
            lines.extend(_section(value, indent=2))
        else:
            lines.append(f"{name}: {_scalar(value)}")
        lines.append("")
    return "\n".join(lines)


def _section(model: BaseModel, indent: int, skip: frozenset[str] | set[str] = frozenset()) -> list[str]:
    pad = " " * indent
    out = []
    for name, field in type(model).model_fields.items():
        if name in skip:
            continue
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            out.append(f"{pad}{name}:  # {field.description}")
            out.extend(_section(value, indent + 2))
            continue
        if name in _SIZE_FIELDS and isinstance(value, int):
            value = format_size(value)
        out.append(f"{pad}{name}: {_scalar(value)}  # {field.description}")
    return out


def _scalar(value: Any) -> str:
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, tuple):  # hosts: a tuple of models, shown as plain mappings
        value = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
    if hasattr(value, "__fspath__"):
        value = str(value)
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    return text.removesuffix("\n...").removesuffix("...").strip()

