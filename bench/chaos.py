"""Chaos benchmark: teachers answer while workers, the ingress and Redis are SIGKILLed at
random and restarted; prints what was lost, doubled or left unanswered, and how many messages
a teacher saw twice (Telegram has no idempotency key: a crash between sending and marking sent
repeats that one message). Then the teachers' reminders fall due (two each, from both workers'
schedulers) while more SIGKILLs happen; prints the reminders missing, committed twice or left
in Redis (`jobs_*`), copies sent again of a reminder committed once, and job turns a Redis kill
broke off (run again after their lease). Prints numbers; the exit code is 1 when something was
lost, doubled, unanswered, missing or left. Bounded in time.

Run: .venv/bin/python bench/chaos.py [--teachers 100] [--kills 50] [--job-kills 20] [--seed 7]
     [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.chaos import run_chaos


def main() -> int:
    """Run one chaos round and print the outcome."""
    parser = argparse.ArgumentParser(prog="python bench/chaos.py", description=__doc__)
    parser.add_argument("--teachers", type=int, default=100)
    parser.add_argument("--kills", type=int, default=50, help="while teachers answer")
    parser.add_argument("--job-kills", type=int, default=20, help="while reminders fall due")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="llinc-chaos-") as tmp:
        result = asyncio.run(
            asyncio.wait_for(
                run_chaos(
                    Path(tmp),
                    teachers=args.teachers,
                    kills=args.kills,
                    job_kills=args.job_kills,
                    seed=args.seed,
                    timeout=120,
                ),
                timeout=1500,
            )
        )
    numbers = dataclasses.asdict(result) | {"seconds": round(time.monotonic() - started, 1)}
    if args.json:
        print(json.dumps(numbers))
    else:
        for key, value in numbers.items():
            print(f"{key:20} {value}")
    return 0 if result.ok() else 1


if __name__ == "__main__":
    raise SystemExit(main())
