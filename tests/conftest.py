"""Shared test settings: deterministic hypothesis runs sized for a 2-core box."""

from hypothesis import settings

settings.register_profile("diffplay", max_examples=60, deadline=None, derandomize=True)
settings.load_profile("diffplay")
