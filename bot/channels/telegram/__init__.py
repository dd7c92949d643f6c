"""The Telegram channel. PTB is told to give durations as timedelta (no deprecation path)."""

import os

os.environ.setdefault("PTB_TIMEDELTA", "true")
