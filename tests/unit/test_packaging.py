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
