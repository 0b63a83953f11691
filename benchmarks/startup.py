"""Median wall time of `citadel-llm --help` (and `config show`) against `python -c pass`.

Target: --help under 300 ms on a 2-core machine. Run: python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def median_ms(argv: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    cli = shutil.which("citadel-llm") or f"{sys.prefix}/bin/citadel-llm"
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "citadel-llm --help": [cli, "--help"],
        "citadel-llm config show": [cli, "config", "show"],
    }
    results = {name: median_ms(argv, args.runs) for name, argv in cases.items()}
    floor = results["python -c pass"]
    print(f"{'command':<28} {'median ms':>10} {'over python':>12}")
    for name, ms in results.items():
        print(f"{name:<28} {ms:>10.1f} {ms - floor:>+12.1f}")
    verdict = "ok" if results["citadel-llm --help"] < 300 else "over target"
    print(f"target: --help < 300 ms -> {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
