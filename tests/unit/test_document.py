"""The document in parts (bot/storage/document.py): every state the engine makes reads back
unchanged from its parts, a turn of the interview changes a few small parts whose size does
not grow with the number of answers, and a document in the previous parts still reads."""

from __future__ import annotations

from pydantic_core import from_json, to_json

from bot.dialogues.script import load_texts
from bot.models.state import UserState
from bot.storage.document import HOT, PLACE, assemble, changes, split
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
        assert {n.split(":")[0] for n in names.split(",")} <= {"a", "m", "k"}
        assert "u" not in names.split(",") and "s:interview-1" not in names.split(",")
    assert last[1] <= 1.5 * first[1]  # the answers' own lengths differ; nothing accumulates
    assert max(size for _, size in answered) < 1000


def previous_layout(state: UserState) -> dict[str, bytes]:
    """The parts as written before `m` (bot/storage/document.py until 2026-12-05): the hot keys
    and every session's place keys in fields of their own, answers with their item id."""
    data = state.model_dump(mode="json")
    sessions = data.pop("sessions")
    parts = {f"h:{key}": to_json(data.pop(key)) for key in HOT}
    plain = {}
    for key, value in data.items():
        if value and isinstance(value, list | dict):
            parts[f"k:{key}"] = to_json(value)
        else:
            plain[key] = value
    parts["u"] = to_json(plain)
    for index, session in enumerate(sessions):
        sid = session["id"]
        answers = session.pop("answers")
        for key in PLACE:
            parts[f"p:{sid}:{key}"] = to_json(session.pop(key))
        parts[f"s:{sid}"] = to_json({"n": index, **session})
        for number, (item_id, answer) in enumerate(answers.items()):
            parts[f"a:{sid}:{item_id}"] = to_json({"n": number, **answer})
    return parts


def test_a_document_in_the_previous_parts_reads_and_its_next_commit_moves_it() -> None:
    chat = EngineChat()
    interview(chat)
    assert chat.state is not None and chat.state.active_session == "interview-1"
    old = previous_layout(chat.state)
    assert assemble(old) == chat.state
    written, gone = changes(old, split(chat.state))
    assert sorted(gone) == sorted(
        [f"h:{key}" for key in HOT] + [f"p:interview-1:{key}" for key in PLACE]
    )
    assert "m" in written and all(name.startswith(("m", "a:")) for name in written)
    assert assemble({**{k: v for k, v in old.items() if k not in gone}, **written}) == chat.state


def test_the_moving_part_holds_the_active_session_only() -> None:
    chat = EngineChat()
    interview(chat)
    assert chat.state is not None
    parts = split(chat.state)
    assert not any(name.startswith(("h:", "p:interview-1:")) for name in parts)
    chat.state.active_session = None
    parts = split(chat.state)
    assert {f"p:interview-1:{key}" for key in PLACE} <= set(parts)
    assert assemble(parts) == chat.state


def test_an_answer_part_leaves_out_what_reading_fills_in() -> None:
    chat = EngineChat()
    interview(chat)
    assert chat.state is not None
    answers = chat.state.sessions[0].answers
    plain, other = [item for item, answer in answers.items() if not answer.probe_turns][:2]
    answers[other].skipped, answers[other].probe_turns = True, 2
    parts = split(chat.state)
    lean = from_json(parts[f"a:interview-1:{plain}"])
    assert set(lean) == {"n", "parts"}  # no item id, no skipped=false, no probe_turns=0
    kept = from_json(parts[f"a:interview-1:{other}"])
    assert (kept["skipped"], kept["probe_turns"]) == (True, 2)
    assert assemble(parts) == chat.state
