"""The bot as a user installs it: a wheel (not an editable checkout) in a fresh venv, run from
a directory that is not the source tree. The prompts must come from inside the wheel."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.support.paths import ROOT, TRANSCRIPTS


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with the bot's wheel; its dependencies come from this test run's environment."""
    base = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(base / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next((base / "dist").glob("llinc_bot-*.whl"))
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # The dependencies (not the bot: it is an editable install here) of the running environment.
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
        check=True,
        capture_output=True,
    )
    return env_dir


def test_the_wheel_holds_the_prompts_and_every_package(installed: Path) -> None:
    python = installed / "bin" / "python"
    found = subprocess.run(
        [
            python,
            "-c",
            "import bot, llinc_prompts; print(bot.__file__); "
            "from bot.text.prompts import prompt_file; print(prompt_file('nl', 'ui.yaml')); "
            "from importlib.resources import files; web = files('bot.channels.web'); "
            "assert web.joinpath('templates', 'review.html').is_file(); "
            "assert web.joinpath('static', 'app.js').is_file(); "
            "from bot.channels.web.texts import web_texts; print(web_texts('nl')('app_name'))",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=installed,
    ).stdout
    assert str(ROOT) not in found and "site-packages" in found


def test_llinc_score_works_from_any_directory(installed: Path, tmp_path: Path) -> None:
    transcript = TRANSCRIPTS / "authored" / "nl_01_seed_jan_noah.yaml"
    result = subprocess.run(
        [installed / "bin" / "llinc", "score", str(transcript), "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert '"scales"' in result.stdout and '"helplessness"' in result.stdout


def test_llinc_chat_works_from_any_directory(installed: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [installed / "bin" / "llinc", "chat", "--lang", "en"],
        input="1\nSam\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert "Sam" in result.stdout and (tmp_path / ".llinc").is_dir()
