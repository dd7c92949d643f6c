"""Lean processes: the modules every bot process imports load no drawing, PDF, LLM or template
library (those load in the job or page that uses them), and the lemma dictionaries are read in
place, not unpacked into dicts. Each check runs in a fresh interpreter, so nothing imported by
other tests hides a heavy import."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.paths import ROOT

# What `llinc telegram|worker|ingress|webhook` imports up to serving its first update.
RUNTIME_MODULES = [
    "bot.cli",
    "bot.wiring",
    "bot.service",
    "bot.channels.telegram.app",
    "bot.runtime.roles",
    "bot.jobs.chart",
    "bot.jobs.export",
    "bot.jobs.draft",
]
HEAVY = ("matplotlib", "fpdf", "langchain", "openai", "jinja2", "aiohttp_jinja2", "PIL", "numpy")


def _fresh(code: str) -> object:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_bot_runtime_imports_no_heavy_library() -> None:
    modules = _fresh(
        "import json, sys\n"
        + "".join(f"import {name}\n" for name in RUNTIME_MODULES)
        + "from bot.safety.safeguarding import warm_up\n"
        + "warm_up()\n"
        + "print(json.dumps(sorted(sys.modules)))"
    )
    assert isinstance(modules, list)
    loaded = sorted({m for m in modules if m.split(".")[0].startswith(HEAVY)})
    assert loaded == []
    assert "bot.render.chart" not in modules and "bot.render.report" not in modules


def test_lemmas_are_looked_up_in_place() -> None:
    """`lemma` uses simplemma's low-memory dictionaries: the default factory (a dict of every
    word form, 70 MB for Dutch and English) is never filled."""
    found = _fresh(
        "import json\n"
        "from simplemma.strategies.dictionaries import DEFAULT_DICTIONARY_FACTORY as f\n"
        "from bot.text.tokens import lemma\n"
        "print(json.dumps([lemma('sloeg', 'nl'), lemma('children', 'en'),"
        " f._get_dictionary.cache_info().currsize]))"
    )
    assert found == ["slaan", "child", 0]
