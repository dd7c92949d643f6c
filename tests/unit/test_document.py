"""The document in parts (bot/storage/document.py): every state the engine makes reads back
unchanged from its parts, and a turn of the interview changes a few small parts whose size does
not grow with the number of answers."""

from __future__ import annotations

from bot.dialogues.script import load_texts
from bot.storage.document import assemble, changes, split
from tests.support.answers import ANSWERS, PROBE_ANSWER
from tests.support.engine_driver import EngineChat

NL = load_texts("nl")


def interview(chat: EngineChat) -> list[tuple[str, int]]:
    """The whole interview with a follow-up answered where one is asked, then /back, a skip and
    the submit; per turn the names of the parts it changed and their bytes (plaintext)."""
    turns: list[tuple[str, int]] = []

    def turn(action: object) -> str:
        before = split(chat.state) if chat.state else {}
        said = action() if callable(action) else ""
        assert chat.state is not None
        parts = split(chat.state)
        assert assemble(parts) == chat.state
        assert assemble(parts).model_dump_json() == chat.state.model_dump_json()
        written, gone = changes(before, parts)
        assert gone == []
        turns.append((",".join(sorted(written)), sum(map(len, written.values()))))
        return str(said)

    turn(lambda: chat.command("start"))
    turn(lambda: chat.press_nth(0))
    for answer in ANSWERS["nl"][:14]:
        said = turn(lambda a=answer: chat.text(a))  # type: ignore[misc]
        if "Vraag" not in said and "Voordat" not in said and "Laatste" not in said:
            turn(lambda: chat.text(PROBE_ANSWER["nl"]))
    turn(lambda: chat.command("back"))
    turn(lambda: chat.command("skip"))
    return turns


def test_every_state_of_an_interview_reads_back_from_its_parts() -> None:
    chat = EngineChat()
    turns = interview(chat)
    assert chat.state is not None and chat.state.sessions[0].answers
    answers = list(chat.state.sessions[0].answers)
    assert list(assemble(split(chat.state)).sessions[0].answers) == answers  # order kept
    assert len(turns) >= 18


def test_an_answer_changes_its_own_part_and_the_session_place_only() -> None:
    chat = EngineChat()
    turns = interview(chat)
    answered = [(names, size) for names, size in turns if ",a:interview-1:q" in f",{names}"]
    assert len(answered) >= 10
    first, last = answered[0], answered[-1]
    for names, _ in answered:
        assert {n.split(":")[0] for n in names.split(",")} <= {"a", "p", "h", "k"}
        assert "u" not in names.split(",") and "s:interview-1" not in names.split(",")
    assert last[1] <= 1.5 * first[1]  # the answers' own lengths differ; nothing accumulates
    assert max(size for _, size in answered) < 1000
