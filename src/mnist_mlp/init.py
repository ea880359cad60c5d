"""Seeded initial weights, shared by both backends so that they start from the same point.

The study does not say how it initialised its network. The default ``auto`` uses Glorot-normal
(std sqrt(2 / (fan_in + fan_out))) for sigmoid and tanh and He-normal (std sqrt(2 / fan_in)) for
ReLU, each the scheme designed for that activation; biases start at zero.
"""

import numpy as np

SCHEMES = ("auto", "glorot_normal", "he_normal")


def resolve_scheme(scheme: str, activation: str) -> str:
    if scheme not in SCHEMES:
        raise ValueError(f"unknown init scheme {scheme!r}; choose one of {SCHEMES}")
    if scheme == "auto":
        return "he_normal" if activation == "relu" else "glorot_normal"
    return scheme


def init_params(layer_sizes: list[int], activation: str, scheme: str, seed: int, dtype=np.float32):
    """Initial weights and biases.

    Args:
        layer_sizes: e.g. [784, 500, 250, 100, 10].
        activation: the hidden activation, which ``auto`` picks the scheme from.
        scheme: one of SCHEMES.
        seed: seeds a fresh generator; the global random state is never touched.
        dtype: float32 for training, float64 for checks.

    Returns:
        A list of (W, b) per layer, W of shape (fan_in, fan_out) so that z = a @ W + b.
    """
    scheme = resolve_scheme(scheme, activation)
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        denominator = fan_in if scheme == "he_normal" else (fan_in + fan_out) / 2
        std = np.sqrt(2.0 / denominator)
        w = rng.standard_normal((fan_in, fan_out)) * std
        params.append((w.astype(dtype), np.zeros(fan_out, dtype=dtype)))
    return params
