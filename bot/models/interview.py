"""What a coach reads of a teacher's sessions: every question as the teacher saw it (its short
title and text, in the teacher's language, the pupil's pseudonym filled in) and every message
the teacher sent to it, follow-up questions included, in order.

The teacher's turn resolves the texts (`bot.dialogues.transcript`) and sends them with the draft,
the plan or the check-in; the coach's document keeps them (sealed like every document), so the
workspace and the PDF show the whole interview without reading the teacher's data or the
scripts again.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ItemPart(BaseModel):
    """One message of an answer: to the question itself (`prompt` 'main'), to a follow-up
    (`prompt` its probe ids, `question` its text as asked) or one entry of a list."""

    model_config = ConfigDict(frozen=True)

    prompt: str = "main"
    question: str = Field(default="", description="The follow-up as asked ('' for 'main').")
    text: str


class SessionItem(BaseModel):
    """One question of a session and what the teacher answered."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="The item's stable id (never shown to a person).")
    number: int | None = Field(default=None, description="'Question 4': counted questions only.")
    title: str
    question: str
    parts: list[ItemPart] = Field(default_factory=list)
    skipped: bool = False

    @property
    def answer(self) -> str:
        """The answer's messages joined, as the scorer reads them."""
        return "\n".join(part.text for part in self.parts)
