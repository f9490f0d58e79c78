"""Start-up time of the command line against ``python -c "import pandas"`` (a benchmark, not a test).

Each command runs in a fresh interpreter (as a user types it); the peer is a fresh interpreter
that only imports pandas, measured in the same run on the same machine, so the printed ratio
does not depend on how fast the machine is. Goal: ``cusp --help`` and ``cusp scenario list``
take at most half the time of importing pandas (ratio <= 0.5): they load typer and rich, not
the scientific stack (tests/cusp/test_cli_startup.py checks the imports themselves).

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/cli_startup.py [--repeat 7]``; prints the median
of the repeats for each command and its ratio to the pandas import.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "cusp --help": [sys.executable, "-m", "cusp", "--help"],
    "cusp scenario list": [sys.executable, "-m", "cusp", "scenario", "list"],
}
PEER = [sys.executable, "-c", "import pandas"]


def seconds(cmd: list[str], repeat: int) -> float:
    """Median wall time (s) of ``repeat`` fresh runs of ``cmd`` (after one warm-up for the disk cache)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times = []
    for i in range(repeat + 1):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        if i:  # the first run only warms the file cache
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="fresh runs per command (median reported)")
    args = parser.parse_args()
    peer = seconds(PEER, args.repeat)
    print(f"python -c 'import pandas'  {peer:6.3f} s  (peer, median of {args.repeat})")
    for label, cmd in COMMANDS.items():
        t = seconds(cmd, args.repeat)
        verdict = "meets" if t / peer <= 0.5 else "misses"
        print(f"{label:26s} {t:6.3f} s  ratio {t / peer:4.2f} ({verdict} the goal <= 0.5)")


if __name__ == "__main__":
    main()
