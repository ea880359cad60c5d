"""Seeded initial weights, shared by both backends so that they start from the same point.

The study does not say how it initialised its network, and the choice moves its from-scratch
numbers by tens of points, so several schemes are offered (W has shape (fan_in, fan_out)):

- ``glorot_normal``: W ~ N(0, 2 / (fan_in + fan_out)), b = 0 (designed for sigmoid and tanh).
- ``he_normal``: W ~ N(0, 2 / fan_in), b = 0 (designed for ReLU).
- ``glorot_uniform``: W ~ U(±sqrt(6 / (fan_in + fan_out))), b = 0 (Keras' default).
- ``torch_default``: W, b ~ U(±1 / sqrt(fan_in)), what ``torch.nn.Linear`` does by itself.
- ``standard_normal``: W, b ~ N(0, 1), as in Nielsen's ``network.py``, a common starting point
  for from-scratch code.
- ``auto`` (the default): ``he_normal`` for ReLU, ``glorot_normal`` for sigmoid and tanh.
"""

import numpy as np

SCHEMES = ("auto", "glorot_normal", "he_normal", "glorot_uniform", "torch_default", "standard_normal")
CONCRETE_SCHEMES = SCHEMES[1:]  # what a run's folder names: auto is resolved per activation
DESCRIPTIONS = {  # each scheme in words, for the report
    "auto": "Glorot-normal for sigmoid and tanh, He-normal for ReLU; biases zero",
    "glorot_normal": "W ~ N(0, 2 / (fan_in + fan_out)); biases zero",
    "he_normal": "W ~ N(0, 2 / fan_in); biases zero",
    "glorot_uniform": "W ~ U(±√(6 / (fan_in + fan_out))); biases zero",
    "torch_default": "what torch.nn.Linear does by itself: weights and biases U(±1/√fan_in)",
    "standard_normal": "weights and biases N(0, 1), as in Nielsen's network.py",
}


def resolve_scheme(scheme: str, activation: str) -> str:
    """The concrete scheme ``scheme`` stands for with ``activation`` (only ``auto`` depends on it)."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown init scheme {scheme!r}; choose one of {SCHEMES}")
    if scheme == "auto":
        return "he_normal" if activation == "relu" else "glorot_normal"
    return scheme


def _layer(rng: np.random.Generator, scheme: str, fan_in: int, fan_out: int) -> tuple[np.ndarray, np.ndarray]:
    """One layer's float64 (W, b); the draws come in a fixed order, W first."""
    shape = (fan_in, fan_out)
    if scheme in ("glorot_normal", "he_normal"):
        variance = 2.0 / fan_in if scheme == "he_normal" else 2.0 / (fan_in + fan_out)
        return rng.standard_normal(shape) * np.sqrt(variance), np.zeros(fan_out)
    if scheme == "glorot_uniform":
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-bound, bound, shape), np.zeros(fan_out)
    if scheme == "torch_default":
        bound = 1.0 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, shape), rng.uniform(-bound, bound, fan_out)
    if scheme == "standard_normal":
        return rng.standard_normal(shape), rng.standard_normal(fan_out)
    raise ValueError(f"no draw for init scheme {scheme!r}")


def init_params(layer_sizes: list[int], scheme: str, seed: int, dtype=np.float32):
    """Initial weights and biases.

    Args:
        layer_sizes: e.g. [784, 500, 250, 100, 10].
        scheme: one of CONCRETE_SCHEMES; ``auto`` is resolved where a run's key is made
            (``runs.plan.run_key``), so that a run names the weights it starts from.
        seed: seeds a fresh generator; the global random state is never touched.
        dtype: float32 for training, float64 for checks.

    Returns:
        A list of (W, b) per layer, W of shape (fan_in, fan_out) so that z = a @ W + b.
    """
    if scheme not in CONCRETE_SCHEMES:
        raise ValueError(f"init scheme {scheme!r} is not a concrete one; choose one of {CONCRETE_SCHEMES}")
    rng = np.random.default_rng(seed)
    return [
        tuple(a.astype(dtype) for a in _layer(rng, scheme, fan_in, fan_out))
        for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:])
    ]
