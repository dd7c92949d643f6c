"""`python -m bot` runs the llinc command."""

import sys

from bot.cli import main

sys.exit(main())
