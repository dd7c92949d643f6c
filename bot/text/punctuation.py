"""Punctuation that filling in a text can double: a name that ends in a full stop ("N.") put
before the template's own full stop gives «N..»; a filled-in phrase that ends in one inside
parentheses gives «(… gevoelens.).». `tidy` takes the second stop away, and leaves a real
ellipsis ("...", "…") alone."""

from __future__ import annotations

import re

_DOUBLE_STOP = re.compile(r"(?<![.…])\.\.(?!\.)")
_STOP_IN_AND_AFTER_PARENS = re.compile(r"\.([)»”’\"'])\.")


def tidy(text: str) -> str:
    """The text with a doubled full stop made single ("N.." -> "N.", ".)." -> ".)")."""
    text = _STOP_IN_AND_AFTER_PARENS.sub(r".\1", text)
    return _DOUBLE_STOP.sub(".", text)


def fill(template: str, **values: object) -> str:
    """`template.format(**values)`, without the template's full stop right after a value that
    ends in one ("{pupil}." with "N."; "({scale})." with "… gevoelens."). The values themselves
    (a teacher's words) are left exactly as they are."""
    for name, value in values.items():
        if isinstance(value, str) and value.rstrip().endswith((".", "…")):
            for closing in ("", ")", "»"):
                template = template.replace(f"{{{name}}}{closing}.", f"{{{name}}}{closing}")
    return template.format(**values)
