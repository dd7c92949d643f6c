"""The terminal chat as a newcomer runs it: `llinc chat` on the embedded Redis, piped stdin."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.channels.terminal import TerminalChat
from bot.config import Settings
from bot.dialogues.script import load_texts
from bot.wiring import open_app
from tests.support.answers import ANSWERS

pytestmark = pytest.mark.timeout(120)


def run_chat(data_dir: Path, lines: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "TELEGRAM_BOT_TOKEN")}
    env["DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat", *args],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        env=env,
        timeout=90,
        check=False,
    )


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_piped_stdin_completes_the_interview(tmp_path: Path, lang: str) -> None:
    texts = load_texts(lang)  # type: ignore[arg-type]
    done = run_chat(tmp_path, ["1", *ANSWERS[lang], "1"], "--lang", lang)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert texts.get("welcome") in out
    assert f"[1] {texts.get('submit')}" in out
    assert texts.get("submitted_no_coach") in out
    assert out.count("\n> ") >= len(ANSWERS[lang]) + 2
    assert done.stderr == ""


def test_stop_in_the_middle_and_continue_later(tmp_path: Path) -> None:
    first = run_chat(tmp_path, ["1", *ANSWERS["en"][:5]], "--lang", "en")
    assert first.returncode == 0, first.stderr
    assert "Question 3 of 12" in first.stdout.split("\n> ")[-2]
    second = run_chat(tmp_path, ["/status"])
    assert second.returncode == 0, second.stderr
    welcome_back = load_texts("en").get("welcome_back")
    assert second.stdout.startswith(welcome_back) and "Question 3 of 12" in second.stdout
    assert "2 of 12 questions answered" in second.stdout
    assert (tmp_path / "appendonly.aof").exists()


def test_buttons_take_the_number_or_the_label(tmp_path: Path) -> None:
    done = run_chat(tmp_path, ["english", "Yes, let's begin", "Sam"], "--lang", "nl")
    assert done.returncode == 0, done.stderr
    assert "Which class or year group is Sam in?" in done.stdout


def test_a_number_typed_at_a_question_is_not_an_old_button(tmp_path: Path) -> None:
    """The welcome's «[3] English» is gone once a question without buttons is shown: a «3»
    typed there is the teacher's text (here kept as the year group), not a language switch."""
    done = run_chat(tmp_path, ["1", "Sanne", "3"], "--lang", "nl")
    assert done.returncode == 0, done.stderr
    assert "From now on I'll write in English" not in done.stdout
    assert "Waarom heb je voor dit gesprek Sanne gekozen?" in done.stdout


def test_a_number_with_no_such_button_keeps_the_screen(tmp_path: Path) -> None:
    """Walk: the coach typed a number that no button had and fell out of the screen; a «9»
    under the welcome's buttons is nobody's answer: a hint, and the buttons still count."""
    texts = load_texts("nl")
    done = run_chat(tmp_path, ["9", "1", "Sanne"], "--lang", "nl")
    assert done.returncode == 0, done.stderr
    hint = texts.get("terminal_pick_number", count=3)
    assert hint in done.stdout
    assert "In welke groep of welk leerjaar zit Sanne?" in done.stdout  # «1» still started


def test_unreachable_redis_is_one_line_and_non_zero(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    for url, words in [("redis://127.0.0.1:1/0", "not reachable"), ("nonsense://x", "not a valid")]:
        env["REDIS_URL"] = url
        done = subprocess.run(
            [sys.executable, "-m", "bot", "chat"],
            input="",
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 1
        assert words in done.stderr and len(done.stderr.strip().splitlines()) == 1
        assert "Traceback" not in done.stderr


def test_the_whole_loop_alone_in_the_terminal_with_coach_and_advance(tmp_path: Path) -> None:
    first = run_chat(tmp_path, ["1", *ANSWERS["en"], "1", "/coach", "/invite"], "--lang", "en")
    assert first.returncode == 0, first.stderr
    code = first.stdout.rsplit("/start ", 1)[1].split()[0]
    # the local coach's first view: what a coach can do, not «Welcome back! We were here:»
    became_coach = first.stdout.split("> /coach", 1)[1].split("> /invite", 1)[0]
    assert "You are now a coach" in became_coach
    assert load_texts("en").get("welcome_back") not in became_coach
    reflection = [f"Reflection {n}: I see more of what Sam needs." for n in range(1, 8)]
    second = run_chat(
        tmp_path,
        [
            f"/start {code}",
            "/coach",
            "/queue",
            "1",
            "Release to the teacher",
            "Yes, release it now",
            "/coach",
            "I've read it",
            *reflection,
            "Greet Sam every morning",
            "Done",
            "I will feel calmer.",
            "1",
            "/advance 8",
        ],
        "--lang",
        "en",
    )
    assert second.returncode == 0, second.stderr
    out = second.stdout
    assert "[for the coach] A new draft profile is ready: Teacher about Sam." in out
    assert "[image]" in out
    assert load_texts("en").get("released_coach", teacher="Teacher") in out
    assert "Question 1 of 9" in out
    assert "[clock]" in out
    assert "About your action 1 of 1: «Greet Sam every morning»" in out


def test_the_local_teacher_is_named_in_the_chosen_language(tmp_path: Path) -> None:
    """A Dutch teacher is «Leerkracht» to the local coach, not the English «Teacher»; and the
    welcome's buttons still work after the «you are linked» line printed under them."""
    nl = load_texts("nl")
    first = run_chat(tmp_path, ["/coach", "/invite"])
    assert first.returncode == 0, first.stderr
    code = first.stdout.rsplit("/start ", 1)[1].split()[0]
    second = run_chat(tmp_path, [f"/start {code}", "1", *ANSWERS["nl"], "1"])
    assert second.returncode == 0, second.stderr
    pupil = ANSWERS["nl"][0]
    ready = nl.get("coach_draft_ready", teacher=nl.get("terminal_teacher"), pupil=pupil)
    assert ready in second.stdout
    assert "Teacher" not in second.stdout


async def test_forget_deletes_the_files_saved_about_the_teacher(
    redis: Redis, settings: Settings
) -> None:
    """Issue 14.14: the coach's PDF and the charts the terminal saved in DATA_DIR/exports are
    deleted with the teacher's data; the coach is told to delete downloaded reports too."""
    en = load_texts("en")
    out = io.StringIO()
    async with open_app(settings, "terminal") as app:
        chat = TerminalChat(app, out, settings.data_dir / "exports")
        chat.lang = "en"
        for line in ["/start", "1", *ANSWERS["en"], "1", "/coach", "/invite"]:
            await chat.say(line)
        code = re.findall(r"/start (\S+)", out.getvalue())[-1]
        for line in ["/coach", f"/start {code}", "/coach", "/export", "1"]:
            await chat.say(line)
        saved = sorted(p.name for p in (settings.data_dir / "exports").iterdir())
        assert any(n.endswith(".pdf") for n in saved) and any(n.endswith(".png") for n in saved)
        for line in ["/coach", "/forget", en.get("forget_yes")]:
            await chat.say(line)
    assert list((settings.data_dir / "exports").iterdir()) == []
    said = out.getvalue()
    assert f"[files] deleted {len(saved)} saved file(s)" in said
    assert "[for the coach] " + en.get("coach_teacher_withdrew", teacher="Teacher") in said
    assert "delete those too" in en.get("coach_teacher_withdrew", teacher="Teacher")


class Pty:
    """The real `llinc chat` on a pseudo-terminal, as a person at a keyboard runs it."""

    def __init__(self, data_dir: Path) -> None:
        import pty

        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "TELEGRAM_BOT_TOKEN")}
        env.update(DATA_DIR=str(data_dir), WEB_LISTEN="127.0.0.1:0")
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "chat", "--lang", "en"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
        )
        os.close(slave)
        self.out = ""

    def read_until(self, text: str, timeout: float = 60) -> str:
        import select
        import time

        end = time.monotonic() + timeout
        while text not in self.out and time.monotonic() < end:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self.out += os.read(self.master, 65536).decode(errors="replace")
                except OSError:
                    break
        assert text in self.out, self.out[-2000:]
        return self.out

    def type(self, keys: str) -> None:
        self.out = ""
        os.write(self.master, keys.encode())

    def exit_code(self, timeout: float = 30) -> int:
        code = self.process.wait(timeout)
        os.close(self.master)
        return code


def test_ctrl_c_stops_at_once_and_keeps_what_was_sent(tmp_path: Path) -> None:
    """Issue 14.5: Ctrl-C (SIGINT, twice) stops the chat without waiting for Enter and
    without a traceback; what was sent before is kept; a half-typed line ended with Ctrl-D
    is not sent."""
    import signal

    chat = Pty(tmp_path)
    chat.read_until("> ")
    chat.type("1\n")  # consent
    chat.read_until("Which pupil")
    chat.read_until("> ")
    chat.type("Sam\x04")  # half a line, then Ctrl-D: not sent
    said = chat.read_until("[not sent] «Sam»")
    assert "Which group" not in said
    chat.read_until("> ")
    chat.process.send_signal(signal.SIGINT)  # no Enter after it
    chat.read_until("[stopped]")
    chat.process.send_signal(signal.SIGINT)  # a second one while it closes changes nothing
    assert chat.exit_code() == 0
    assert "Traceback" not in chat.out and "Event loop is closed" not in chat.out
    again = run_chat(tmp_path, ["/status"])
    assert again.returncode == 0, again.stderr
    assert "Which pupil" in again.stdout  # consent kept; the half line never became the pupil


def test_ctrl_d_on_an_empty_line_ends_quickly(tmp_path: Path) -> None:
    """Issue 14.5: Ctrl-D ends the chat in well under the ~5 s the embedded Redis's own
    shutdown took (it is stopped with SIGTERM, which flushes its AOF)."""
    import time

    chat = Pty(tmp_path)
    chat.read_until("> ")
    chat.type("1\n")
    chat.read_until("Which pupil")
    chat.read_until("> ")
    started = time.monotonic()
    chat.type("\x04")
    assert chat.exit_code() == 0
    assert time.monotonic() - started < 3.5  # it was 4-5 s
    assert "Traceback" not in chat.out
    again = run_chat(tmp_path, ["/status"])
    assert "Which pupil" in again.stdout  # the consent was flushed to disk
