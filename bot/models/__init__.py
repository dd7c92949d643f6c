"""The shared vocabulary (pydantic): events in and out, the user's document, jobs, profiles.

It imports nothing of the bot above it; every other layer speaks it.
"""
