"""Models: a small video classifier (the probe of experiments and metrics), seq2seq and a recurrent conditional GAN."""

from .classifier import VideoClassifier
from .rcgan import RCGAN, RCDiscriminator, RCGenerator
from .seq2seq import ConvLSTMCell, Seq2Seq
from .vae import VAEOutput, VideoVAE

__all__ = [
    "RCGAN",
    "ConvLSTMCell",
    "RCDiscriminator",
    "RCGenerator",
    "Seq2Seq",
    "VAEOutput",
    "VideoClassifier",
    "VideoVAE",
]
