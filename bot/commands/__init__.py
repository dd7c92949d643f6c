"""The `llinc` subcommands besides running the bot: score a transcript, manage coaches and
master keys, list parked jobs. Each reads `Settings` and builds what it needs through
`bot.wiring`."""
