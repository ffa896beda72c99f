"""Models: a small video classifier (the probe of experiments and metrics), seq2seq, a recurrent conditional GAN
and the image GAN on frames that can initialise it; :func:`build` and :func:`load`, the one model factory; and
reading checkpoints (:func:`load_checkpoint`)."""

from .checkpoint import CHECKPOINT_VERSION, CheckpointError, load_checkpoint
from .classifier import VideoClassifier
from .factory import DEFAULT_WIDTH, KINDS, LABELLED_KINDS, build, build_from_config, load
from .framegan import FrameDiscriminator, FrameGAN, FrameGenerator
from .rcgan import RCGAN, RCDiscriminator, RCGenerator
from .seq2seq import ConvLSTMCell, Seq2Seq
from .vae import VAEOutput, VideoVAE

__all__ = [
    "CHECKPOINT_VERSION",
    "DEFAULT_WIDTH",
    "KINDS",
    "LABELLED_KINDS",
    "RCGAN",
    "CheckpointError",
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
    "build",
    "build_from_config",
    "load",
    "load_checkpoint",
]
