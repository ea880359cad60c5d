"""Hidden-layer activations, each with its derivative right beside it.

Both work in place on preallocated arrays. The derivative is written in terms of the activation's
output a = f(z), which the forward pass keeps anyway, so z itself never needs to be stored.
"""

import numpy as np


class Sigmoid:
    name = "sigmoid"

    @staticmethod
    def forward_(z: np.ndarray) -> None:
        """z <- 1 / (1 + exp(-z)), computed as (1 + tanh(z/2)) / 2, which cannot overflow."""
        z *= 0.5
        np.tanh(z, out=z)
        z *= 0.5
        z += 0.5

    @staticmethod
    def backward_(a: np.ndarray, delta: np.ndarray, scratch: np.ndarray) -> None:
        """delta <- delta * a * (1 - a)."""
        np.subtract(1, a, out=scratch)
        delta *= a
        delta *= scratch


class Tanh:
    name = "tanh"

    @staticmethod
    def forward_(z: np.ndarray) -> None:
        np.tanh(z, out=z)

    @staticmethod
    def backward_(a: np.ndarray, delta: np.ndarray, scratch: np.ndarray) -> None:
        """delta <- delta * (1 - a^2)."""
        np.multiply(a, a, out=scratch)
        np.subtract(1, scratch, out=scratch)
        delta *= scratch


class ReLU:
    name = "relu"

    @staticmethod
    def forward_(z: np.ndarray) -> None:
        np.maximum(z, 0, out=z)

    @staticmethod
    def backward_(a: np.ndarray, delta: np.ndarray, scratch: np.ndarray) -> None:
        """delta <- delta * [a > 0]; the derivative at 0 is taken as 0, as PyTorch does."""
        np.greater(a, 0, out=scratch)
        delta *= scratch


ACTIVATIONS = {f.name: f for f in (Sigmoid, Tanh, ReLU)}
