"""The coach's /export: the PDF report of one teacher, drawn in a thread, then sent as a file."""

from __future__ import annotations

import asyncio
import re

from bot.dialogues.conversation import Context, Conversation
from bot.dialogues.engine import Step
from bot.dialogues.script import load_texts
from bot.dialogues.transcript import script_titles
from bot.models.events import Document, Inbound
from bot.models.jobs import Job
from bot.models.state import UserState


class ExportJob:
    """The coach's /export: the PDF is drawn in a thread, then sent as a file."""

    async def prepare(self, state: UserState, job: Job) -> bytes | None:
        """The PDF of one of the coach's teachers; None when that teacher is gone."""
        teacher = state.coaching.get(job.payload.get("teacher_id", ""))
        if state.role != "coach" or teacher is None:
            return None
        name = state.teacher_label(
            teacher.teacher_id, load_texts(state.lang).messages["teacher_unnamed"]
        )
        from bot.render.report import render_report  # fpdf2 and matplotlib: only when exporting

        return await asyncio.to_thread(
            render_report,
            teacher,
            state.lang,
            generated=job.due,
            name=name,
            titles=script_titles(state.lang),
        )

    def apply(self, state: UserState, job: Job, prepared: bytes | None, ctx: Context) -> Step:
        """Send the file."""
        teacher = state.coaching.get(job.payload.get("teacher_id", ""))
        if prepared is None or teacher is None:
            return Step(state)
        conv = Conversation(state, Inbound.for_job(job), ctx)
        name = re.sub(r"[^\w-]+", "-", conv.teacher_name(teacher)).strip("-") or "teacher"
        filename = f"llinc-{name}-{job.due:%Y-%m-%d}.pdf"
        conv.say(
            conv.t("export_caption", teacher=conv.teacher_name(teacher)),
            document=Document(filename=filename, content=prepared),
        )
        return Step(state, conv.replies)

    def failed(self, state: UserState, job: Job, ctx: Context) -> Step:
        """The report failed the same way twice and was parked: say so, kindly."""
        teacher = state.coaching.get(job.payload.get("teacher_id", ""))
        if teacher is None:
            return Step(state)
        conv = Conversation(state, Inbound.for_job(job), ctx)
        conv.say(conv.t("export_failed", teacher=conv.teacher_name(teacher)))
        return Step(state, conv.replies)
