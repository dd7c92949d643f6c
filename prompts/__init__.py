"""The bot's words and rules as data (installed as the package `llinc_prompts`): the scripts,
UI texts, safeguarding rules, scales and LLM prompts per language. See docs/scripts.md."""
