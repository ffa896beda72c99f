"""Built-in data: small synthetic clips."""

from .synthetic import clock_clip

__all__ = ["clock_clip"]
