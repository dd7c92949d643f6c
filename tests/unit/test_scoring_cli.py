"""`llinc score` and the transcript files it reads."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from bot.commands.score import run_score
from bot.errors import TranscriptError
from bot.scoring.scales import load_scales
from bot.scoring.transcript_io import load_transcript
from tests.support.paths import TRANSCRIPTS

SEED = TRANSCRIPTS / "authored" / "nl_01_seed_jan_noah.yaml"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_table_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_score([str(SEED)]) == 0
    out = capsys.readouterr().out
    for scale in load_scales().scales:
        assert scale.name["nl"] in out
    assert "Noah" in out and "rules" in out


def test_json_has_exactly_the_agreed_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_score([str(SEED), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"scorer", "scales", "notes", "safeguarding"}
    assert data["scorer"] == "rules"
    assert [s["id"] for s in data["scales"]] == load_scales().ids
    for item in data["scales"]:
        assert set(item) == {"id", "score", "level", "confidence", "evidence"}
        assert 1 <= item["score"] <= 7 and item["level"] in {"low", "average", "high"}
        assert 0.0 <= item["confidence"] <= 1.0
        for evidence in item["evidence"]:
            assert set(evidence) == {"question_id", "prompt", "direction", "quote"}
            assert evidence["direction"] in {"supports", "contradicts"}
    assert all(isinstance(note, str) for note in data["notes"])


def test_chart_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "profile.png"
    assert run_score([str(SEED), "--chart", str(out)]) == 0
    assert out.read_bytes().startswith(PNG_MAGIC)


def test_json_transcripts_are_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = {
        "language": "en",
        "pupil": "M.",
        "answers": [
            {"question_id": "q06_joy", "text": "I love his jokes, he makes me laugh every day."}
        ],
    }
    path = write(tmp_path, "t.json", json.dumps(data))
    assert run_score([str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["scorer"] == "rules"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("lang.yaml", "language: fr\npupil: S.\nanswers: []\n", "unknown language"),
        (
            "qid.yaml",
            "language: nl\npupil: S.\nanswers:\n  - question_id: q99_what\n    text: hoi\n",
            "unknown question id",
        ),
        ("bad.yaml", "language: [nl\n  pupil: {", "not valid YAML or JSON"),
        ("bad.json", '{"language": ', "not valid JSON"),
        ("list.yaml", "- a\n- b\n", "expected a mapping"),
        ("missing.yaml", "language: nl\n", "missing field(s): pupil, answers"),
        (
            "text.yaml",
            "language: nl\npupil: S.\nanswers:\n  - question_id: q01_three_words\n",
            "missing text",
        ),
        (
            "probe.yaml",
            "language: nl\npupil: S.\nanswers:\n  - question_id: q02_click\n    text: ja\n"
            "    followups:\n      - probe: why\n        text: hoi\n",
            "unknown probe",
        ),
    ],
)
def test_bad_files_give_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, message: str
) -> None:
    path = write(tmp_path, name, text)
    assert run_score([str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    with pytest.raises(TranscriptError):
        load_transcript(path)


def test_followups_become_parts_of_the_answer(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.yaml",
        "language: nl\nvariety: be\npupil: S.\nauthor_scores: {comfort: 4}\nanswers:\n"
        "  - question_id: q04_upset\n    text: Hij huilde.\n    followups:\n"
        "      - probe: did\n        text: Ik ging naast hem zitten.\n"
        "      - probe: pupil_felt\n        text: Ik denk dat hij bang was.\n"
        "  - question_id: q06_joy\n    text: Zijn grapjes.\n",
    )
    first, second = load_transcript(path).answers
    assert [(p.prompt, p.text) for p in first.parts] == [
        ("main", "Hij huilde."),
        ("did", "Ik ging naast hem zitten."),
        ("pupil_felt", "Ik denk dat hij bang was."),
    ]
    assert first.text == "Hij huilde.\nIk ging naast hem zitten.\nIk denk dat hij bang was."
    assert second.text == "Zijn grapjes." and [p.prompt for p in second.parts] == ["main"]


def test_missing_and_binary_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_score([str(tmp_path / "nope.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err
    binary = tmp_path / "x.yaml"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    assert run_score([str(binary)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_score([]) == 2
    assert run_score([str(SEED), "--scorer", "magic"]) == 2


def test_llm_without_configuration_is_one_line_exit_2_and_no_result(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 14.12: asked for the LLM without one, the user gets a clear line, not a result
    of another scorer."""
    monkeypatch.delenv("LLM_PROVIDER", raising=False)
    assert run_score([str(SEED), "--scorer", "llm", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "LLM_PROVIDER" in captured.err


def test_llm_module_missing_is_exit_2_and_no_result(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LLM_PROVIDER", "openai")
    monkeypatch.setenv("LLM_MODEL", "gpt-4o-mini")
    monkeypatch.setitem(sys.modules, "bot.scoring.llm", None)
    assert run_score([str(SEED), "--scorer", "llm"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "not usable" in captured.err


def test_chart_says_where_it_wrote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "profile.png"
    assert run_score([str(SEED), "--chart", str(out)]) == 0
    assert f"{out.resolve()}" in capsys.readouterr().err


@pytest.mark.parametrize(("lang", "other"), [("nl", "en"), ("en", "nl")])
def test_the_table_speaks_one_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, other: str
) -> None:
    """Issue 14.12: no Dutch scale names beside English levels; the header, levels and
    confidence words are in the transcript's language too."""
    from bot.render.report import report_texts

    source = SEED.read_text(encoding="utf-8").replace("language: nl", f"language: {lang}")
    assert f"language: {lang}" in source
    assert run_score([str(write(tmp_path, "t.yaml", source))]) == 0
    table = capsys.readouterr().out.split("\n")[1:14]  # header and one row per scale
    mine, theirs = report_texts(lang), report_texts(other)
    words = ("level_low", "level_average", "level_high", "table_level", "table_confidence")
    words += ("confidence_high", "confidence_medium", "confidence_low")
    cells = {cell for row in table for cell in re.split(r"\s{2,}", row)[:4]}
    assert mine["table_level"] in cells
    assert not {theirs[w] for w in words if theirs[w] != mine[w]} & cells
    for scale in load_scales().scales:
        assert any(row.startswith(scale.name[lang]) for row in table)


def test_json_lists_safeguarding_signals_with_verbatim_quotes(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "language: nl\npupil: N.\nanswers:\n"
        "  - question_id: q04_upset\n"
        "    text: 'Ze vertelde dat haar vader haar slaat. Ze had blauwe plekken op haar arm.'\n"
        "  - question_id: q07_pain\n"
        "    text: 'Ik heb geen blauwe plekken gezien, gelukkig.'\n",
        encoding="utf-8",
    )
    import contextlib
    import io
    import json

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert run_score([str(path), "--json"]) == 0
    signals = json.loads(out.getvalue())["safeguarding"]
    assert signals and {s["question_id"] for s in signals} == {"q04_upset"}
    assert all(s["kind"] == "child_at_risk" for s in signals)
    assert all(s["quote"] in path.read_text(encoding="utf-8") for s in signals)
