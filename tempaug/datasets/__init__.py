"""Built-in data: small synthetic clips, Moving MNIST from real digits, folders and manifests of videos."""

from .folder import VIDEO_EXTENSIONS, VideoFolder
from .manifest import ManifestDataset, ManifestEntry, ManifestError, read_manifest
from .mnist import mnist_digits
from .moving_mnist import MovingMNIST
from .synthetic import clock_clip

__all__ = [
    "VIDEO_EXTENSIONS",
    "ManifestDataset",
    "ManifestEntry",
    "ManifestError",
    "MovingMNIST",
    "VideoFolder",
    "clock_clip",
    "mnist_digits",
    "read_manifest",
]
