"""ensure_engine_venv with a fake Runner: the steps it runs, and that a good venv is left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from citadel_cli import __version__
from citadel_cli.engine_venv import ENGINE_PIN, ensure_engine_venv
from citadel_cli.errors import HostError
from citadel_cli.host.runner import Result


class FakeRunner:
    def __init__(self, venv: Path, import_works_after_install: bool = True) -> None:
        self.venv = venv
        self.calls: list[list[str]] = []
        self.installed = False
        self.import_works = import_works_after_install
        self.version = __version__  # of citadel-llm inside the venv

    def run(self, argv, **kwargs) -> Result:
        argv = [str(a) for a in argv]
        self.calls.append(argv)
        if argv[1:3] == ["-m", "venv"]:
            (self.venv / "bin").mkdir(parents=True)
            (self.venv / "bin" / "python").touch()
        elif "install" in argv:
            self.installed, self.version = True, __version__
        elif argv[1] == "-c":  # the import check
            ok = self.installed and self.import_works
            out = f"{self.version}\n0.32.0+cpu\n" if ok else ""
            return Result(tuple(argv), 0 if ok else 1, out, "" if ok else "ImportError")
        return Result(tuple(argv), 0, "", "")


def test_fresh_venv_is_created_installed_and_cleaned(tmp_path: Path):
    venv = tmp_path / "venv"
    runner = FakeRunner(venv)
    result = ensure_engine_venv(venv, runner, source="/src")
    assert result.created and result.vllm_version == "0.32.0+cpu"
    assert result.steps == ["create venv", "install citadel-llm and the engine", "remove CUDA-only torch add-ons"]
    install = next(c for c in runner.calls if "install" in c)
    assert install[-1] == "/src[engine]"
    uninstall = next(c for c in runner.calls if "uninstall" in c)
    assert {"torchvision", "torchaudio", "torchcodec"} <= set(uninstall)


def test_good_venv_is_left_alone(tmp_path: Path):
    venv = tmp_path / "venv"
    runner = FakeRunner(venv)
    ensure_engine_venv(venv, runner, source="/src")
    runner.calls.clear()
    again = ensure_engine_venv(venv, runner, source="/src")
    assert not again.created and len(runner.calls) == 1  # only the check


def test_release_source_gets_the_extra(tmp_path: Path):
    runner = FakeRunner(tmp_path / "venv")
    ensure_engine_venv(tmp_path / "venv", runner, source="citadel-llm==1.2.3")
    assert next(c for c in runner.calls if "install" in c)[-1] == "citadel-llm[engine]==1.2.3"


def test_broken_import_after_install_is_an_error(tmp_path: Path):
    with pytest.raises(HostError, match="does not import"):
        ensure_engine_venv(tmp_path / "venv", FakeRunner(tmp_path / "venv", import_works_after_install=False))


def test_pin_matches_the_engine_extra():
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert f'engine = ["{ENGINE_PIN}"]' in pyproject


def test_a_venv_with_another_citadel_version_is_reinstalled(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    runner = FakeRunner(venv)
    runner.installed, runner.version = True, "0.0.1"  # vLLM imports, but citadel-llm is an old one
    result = ensure_engine_venv(venv, runner, source="/src")
    assert result.created and runner.version == __version__
