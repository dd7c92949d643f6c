"""Chaos benchmark: teachers answer while workers, the ingress and Redis are SIGKILLed at
random and restarted; prints what was lost, doubled or left unanswered, and how many messages
a teacher saw twice (Telegram has no idempotency key: a crash between sending and marking sent
repeats that one message). Then the teachers' reminders fall due (two each, from both workers'
schedulers) while more SIGKILLs happen; prints the reminders missing, committed twice or left
in Redis (`jobs_*`), copies sent again of a reminder committed once, and job turns a Redis kill
broke off (run again after their lease). Prints numbers; the exit code is 1 when something was
lost, doubled, unanswered, missing or left. Bounded in time.

With --sentinel (a primary, a replica, three Sentinels) or --cluster (three primaries with a
replica each), the bot runs with REDIS_MIN_REPLICAS=1 and, while the teachers answer, a Redis
primary (now and then a replica) is SIGKILLed at random moments and started again once a replica
has taken over; no bot process is restarted. Prints the same counts plus the failover times and
the turns per second; the exit code is 1 when anything was lost, doubled, unanswered or sent
twice, or a bot process died.

Run: .venv/bin/python bench/chaos.py [--teachers 100] [--kills 50] [--job-kills 20] [--seed 7]
     [--json] [--sentinel | --cluster]
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

from tests.support.chaos import ChaosResult, run_chaos
from tests.support.ha_chaos import run_failover


def main() -> int:
    """Run one chaos round and print the outcome."""
    parser = argparse.ArgumentParser(prog="python bench/chaos.py", description=__doc__)
    parser.add_argument("--teachers", type=int, default=100)
    parser.add_argument("--kills", type=int, default=50, help="while teachers answer")
    parser.add_argument("--job-kills", type=int, default=20, help="while reminders fall due")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    ha = parser.add_mutually_exclusive_group()
    ha.add_argument("--sentinel", action="store_true", help="failovers behind Sentinel")
    ha.add_argument("--cluster", action="store_true", help="failovers in a Redis Cluster")
    ha.add_argument(
        "--single",
        action="store_true",
        help="the same driver on one Redis without replicas (a baseline; use --kills 0)",
    )
    parser.add_argument(
        "--lift-limits",
        action="store_true",
        help="with --sentinel/--cluster: the bot's send limits raised (its own throughput)",
    )
    parser.add_argument(
        "--min-replicas",
        type=int,
        default=1,
        help="with --sentinel/--cluster: REDIS_MIN_REPLICAS (0 measures what WAIT costs)",
    )
    args = parser.parse_args()
    lifted = {"SEND_RATE_BOT": "100000/second", "SEND_RATE_CHAT": "1000/second"}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="llinc-chaos-") as tmp:
        result: ChaosResult
        if args.sentinel or args.cluster or args.single:
            run = run_failover(
                Path(tmp),
                mode="sentinel" if args.sentinel else "cluster" if args.cluster else "single",
                teachers=args.teachers,
                kills=args.kills,
                seed=args.seed,
                random_kills=True,
                timeout=300,
                extra_env=lifted if args.lift_limits else None,
                min_replicas=0 if args.single else args.min_replicas,
            )
        else:
            run = run_chaos(
                Path(tmp),
                teachers=args.teachers,
                kills=args.kills,
                job_kills=args.job_kills,
                seed=args.seed,
                timeout=120,
            )
        result = asyncio.run(asyncio.wait_for(run, timeout=1500))
    numbers = dataclasses.asdict(result) | {"seconds": round(time.monotonic() - started, 1)}
    if args.json:
        print(json.dumps(numbers))
    else:
        for key, value in numbers.items():
            print(f"{key:20} {value}")
    return 0 if result.ok() else 1


if __name__ == "__main__":
    raise SystemExit(main())
