"""Where the test data lives (tests/data), for every test folder alike."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SAFEGUARDING = DATA / "safeguarding"
TRANSCRIPTS = DATA / "transcripts"
