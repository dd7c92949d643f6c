"""pyproject.toml lists every package of bot/ (an explicit list, because prompts/ is mapped
into the wheel as `llinc_prompts`): a package left out would be missing from the wheel."""

from __future__ import annotations

import tomllib

from tests.support.paths import ROOT


def test_every_package_of_bot_is_in_the_wheel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "bot").rglob("__init__.py")
    }
    assert on_disk | {"llinc_prompts"} == set(config["packages"])
    assert config["package-dir"]["llinc_prompts"] == "prompts"


def test_render_reads_no_script() -> None:
    """bot/render/ draws what it is given: it imports nothing of bot/dialogues (the texts of
    scripts come from the job or the workspace that calls it)."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "bot" / "render").rglob("*.py")
        if "bot.dialogues" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
