"""Built-in data: small synthetic clips, Moving MNIST from real digits, folders and manifests of videos."""

from .mnist import mnist_digits
from .moving_mnist import MovingMNIST
from .synthetic import clock_clip

__all__ = [
    "clock_clip",
    "MovingMNIST",
    "mnist_digits",
]
