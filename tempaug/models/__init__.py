"""Models: a small video classifier (the probe of experiments and metrics), seq2seq, a recurrent conditional GAN
and the image GAN on frames that can initialise it."""

from .classifier import VideoClassifier
from .framegan import FrameDiscriminator, FrameGAN, FrameGenerator
from .rcgan import RCGAN, RCDiscriminator, RCGenerator
from .seq2seq import ConvLSTMCell, Seq2Seq
from .vae import VAEOutput, VideoVAE

__all__ = [
    "RCGAN",
    "ConvLSTMCell",
    "FrameDiscriminator",
    "FrameGAN",
    "FrameGenerator",
    "RCDiscriminator",
    "RCGenerator",
    "Seq2Seq",
    "VAEOutput",
    "VideoClassifier",
    "VideoVAE",
]
