"""Where the prompts live: `prompts/` of the source tree, installed as the package
`llinc_prompts` (setuptools `package-dir`), read with importlib.resources, so the bot finds its
scripts, texts and rules from any directory and from a wheel."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

import yaml

from bot.errors import PromptFileError

PACKAGE = "llinc_prompts"


def root() -> Traversable:
    """The prompts folder (tests point it at a folder of their own)."""
    return files(PACKAGE)


def prompt_file(*parts: str) -> Traversable:
    """A file under prompts/, e.g. `prompt_file("nl", "ui.yaml")` (it may not exist)."""
    place = root()
    for part in parts:
        place = place.joinpath(part)
    return place


def read_yaml(*parts: str) -> dict[str, Any]:
    """The top-level mapping of a YAML file under prompts/; PromptFileError when it is missing,
    malformed or not a mapping."""
    source = prompt_file(*parts)
    name = "prompts/" + "/".join(parts)
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PromptFileError(f"{name}: {exc}") from exc
    if not isinstance(data, dict):
        raise PromptFileError(f"{name}: expected a mapping at the top")
    return data
