"""Jobs: something to do later for one user, which becomes an event of its own when due."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class JobName(StrEnum):
    """Every kind of job; the value is what is stored (stable, never a Python name)."""

    DRAFT = "interview_submitted"
    CHART = "chart"
    EXPORT = "export"
    CHECKIN = "checkin_due"
    REMINDER = "reminder"
    RETENTION = "retention"
    SECOND_LOOK = "safeguard_llm"
    FAILED = "job_failed"


class Job(BaseModel):
    """Something to do later: becomes an `Inbound` of kind 'job' for its user when due."""

    id: str = Field(description="Stable and unique: scheduling the same id twice is one job.")
    user_id: int
    name: JobName
    due: datetime
    payload: dict[str, str] = Field(default_factory=dict)
