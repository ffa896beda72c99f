"""Models: a small video classifier (the probe of experiments and metrics)."""

from .classifier import VideoClassifier
from .seq2seq import ConvLSTMCell, Seq2Seq

__all__ = ["ConvLSTMCell", "Seq2Seq", "VideoClassifier"]
