"""A worker's name in Redis: never shared by two live processes unless an operator says so."""

from __future__ import annotations

import os
import subprocess
import sys

from bot.config import Settings


def test_the_default_name_holds_host_role_and_process() -> None:
    name = Settings(_env_file=None).consumer("worker")  # type: ignore[call-arg]
    assert name.endswith(f"-worker-{os.getpid()}")


def test_two_processes_on_one_host_get_two_names() -> None:
    code = "from bot.config import Settings; print(Settings(_env_file=None).consumer('worker'))"
    env = {k: v for k, v in os.environ.items() if k != "LLINC_CONSUMER"}
    names = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        ).stdout.strip()
        for _ in range(2)
    }
    assert len(names) == 2


def test_an_operator_given_name_is_kept() -> None:
    settings = Settings(_env_file=None, llinc_consumer="worker-a")  # type: ignore[call-arg]
    assert settings.consumer("worker") == "worker-a"
