"""The coach's web workspace: aiohttp with server-rendered Jinja2 templates, opened as a
Telegram Mini App or in a browser after a `/web` sign-in link (docs/workspace.md)."""
