"""Two profiles of one teacher side by side: what recurs belongs to the teacher, what differs
belongs to the match with this pupil (domain.md, 'a second pupil')."""

from __future__ import annotations

from bot.scoring.scales import load_scales


def compare_profiles(first: dict[str, int], second: dict[str, int]) -> tuple[list[str], list[str]]:
    """Scale ids scored within one point for both pupils, and those 2 or more apart (in scale
    order; scales missing from either profile are left out)."""
    both = [sid for sid in load_scales().ids if sid in first and sid in second]
    same = [sid for sid in both if abs(first[sid] - second[sid]) <= 1]
    return same, [sid for sid in both if abs(first[sid] - second[sid]) >= 2]
