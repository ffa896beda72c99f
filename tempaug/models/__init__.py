"""Models: a small video classifier (the probe of experiments and metrics)."""

from .classifier import VideoClassifier

__all__ = ["VideoClassifier"]
