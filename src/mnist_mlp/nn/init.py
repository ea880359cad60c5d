"""Seeded initial weights, shared by both backends so that they start from the same point.

The study does not say how it initialised its network, and the choice moves its from-scratch
numbers by tens of points, so several schemes are offered (W has shape (fan_in, fan_out)):

- ``glorot_normal``: W ~ N(0, 2 / (fan_in + fan_out)), b = 0 (designed for sigmoid and tanh).
- ``he_normal``: W ~ N(0, 2 / fan_in), b = 0 (designed for ReLU).
- ``glorot_uniform``: W ~ U(±sqrt(6 / (fan_in + fan_out))), b = 0 (Keras' default).
- ``torch_default``: W, b ~ U(±1 / sqrt(fan_in)), what ``torch.nn.Linear`` does by itself.
- ``standard_normal``: W, b ~ N(0, 1), as in Nielsen's ``network.py``, a common starting point
  for from-scratch code.
- ``lecun_normal``: W ~ N(0, 1 / fan_in), b = 0 (LeCun et al., "Efficient BackProp", 1998).
- ``auto`` (the default): ``he_normal`` for ReLU, ``glorot_normal`` for sigmoid and tanh.

The biases may be drawn otherwise than the scheme says (``BIAS_INITS``): zero, N(0, 1), or from
the layer's weight distribution. ``resolve_bias`` names each distinct draw once.
"""

import itertools

import numpy as np

SCHEMES = ("auto", "glorot_normal", "he_normal", "glorot_uniform", "torch_default", "standard_normal", "lecun_normal")
CONCRETE_SCHEMES = SCHEMES[1:]  # what a run's folder names: auto is resolved per activation
DESCRIPTIONS = {  # each scheme in words, for the report
    "auto": "Glorot-normal for sigmoid and tanh, He-normal for ReLU; biases zero",
    "glorot_normal": "W ~ N(0, 2 / (fan_in + fan_out)); biases zero",
    "he_normal": "W ~ N(0, 2 / fan_in); biases zero",
    "glorot_uniform": "W ~ U(±√(6 / (fan_in + fan_out))); biases zero",
    "torch_default": "what torch.nn.Linear does by itself: weights and biases U(±1/√fan_in)",
    "standard_normal": "weights and biases N(0, 1), as in Nielsen's network.py",
    "lecun_normal": "W ~ N(0, 1 / fan_in); biases zero",
}
BIAS_INITS = ("default", "zero", "standard_normal", "like_weights")
BIAS_DRAWS = BIAS_INITS[1:]  # what resolve_bias names a draw other than the scheme's own ("")
BIAS_DESCRIPTIONS = {  # each bias option in words, for the report
    "default": "biases as the weight scheme says",
    "zero": "biases zero",
    "standard_normal": "biases N(0, 1)",
    "like_weights": "each layer's biases drawn from the distribution of its weights",
}
_ZERO_BIASES = ("glorot_normal", "he_normal", "glorot_uniform", "lecun_normal")  # the rest draw b like W


def resolve_scheme(scheme: str, activation: str) -> str:
    """The concrete scheme ``scheme`` stands for with ``activation`` (only ``auto`` depends on it)."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown init scheme {scheme!r}; choose one of {SCHEMES}")
    if scheme == "auto":
        return "he_normal" if activation == "relu" else "glorot_normal"
    return scheme


def resolve_bias(scheme: str, bias_init: str) -> str:
    """The biases ``bias_init`` draws with the concrete ``scheme``, named once: "" where that is the
    scheme's own draw (so standard_normal weights with bias_init standard_normal, like_weights or
    default all give ""), else "zero", "standard_normal" or "like_weights"."""
    if scheme not in CONCRETE_SCHEMES:
        raise ValueError(f"init scheme {scheme!r} is not a concrete one; choose one of {CONCRETE_SCHEMES}")
    if bias_init not in BIAS_INITS:
        raise ValueError(f"unknown bias init {bias_init!r}; choose one of {BIAS_INITS}")
    if bias_init == "default":
        return ""
    draw = _one_name(scheme, bias_init)
    return "" if draw == _one_name(scheme, _own_bias(scheme)) else draw


def _own_bias(scheme: str) -> str:
    """The biases ``scheme`` draws by itself."""
    return "zero" if scheme in _ZERO_BIASES else "like_weights"


def _one_name(scheme: str, draw: str) -> str:
    """Biases drawn like N(0, 1) weights are N(0, 1) biases."""
    return "standard_normal" if draw == "like_weights" and scheme == "standard_normal" else draw


_NORMAL_VARIANCES = {  # of the zero-mean normal schemes, by (fan_in, fan_out)
    "glorot_normal": lambda fan_in, fan_out: 2.0 / (fan_in + fan_out),
    "he_normal": lambda fan_in, fan_out: 2.0 / fan_in,
    "lecun_normal": lambda fan_in, fan_out: 1.0 / fan_in,
}


def _draw(rng: np.random.Generator, scheme: str, fan_in: int, fan_out: int, size) -> np.ndarray:
    """An array of ``size`` from the weight distribution of ``scheme`` for a (fan_in, fan_out) layer."""
    if scheme in _NORMAL_VARIANCES:
        return rng.standard_normal(size) * np.sqrt(_NORMAL_VARIANCES[scheme](fan_in, fan_out))
    if scheme == "glorot_uniform":
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-bound, bound, size)
    if scheme == "torch_default":
        bound = 1.0 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, size)
    if scheme == "standard_normal":
        return rng.standard_normal(size)
    raise ValueError(f"no draw for init scheme {scheme!r}")


def _layer(
    rng: np.random.Generator, scheme: str, bias: str, fan_in: int, fan_out: int
) -> tuple[np.ndarray, np.ndarray]:
    """One layer's float64 (W, b); the draws come in a fixed order, W first (zero biases draw nothing)."""
    w = _draw(rng, scheme, fan_in, fan_out, (fan_in, fan_out))
    bias = bias or _own_bias(scheme)
    if bias == "zero":
        return w, np.zeros(fan_out)
    if bias == "standard_normal":
        return w, rng.standard_normal(fan_out)
    if bias == "like_weights":
        return w, _draw(rng, scheme, fan_in, fan_out, fan_out)
    raise ValueError(f"no draw for biases {bias!r}; pass resolve_bias's value, one of {('', *BIAS_DRAWS)}")


def init_params(layer_sizes: list[int], scheme: str, seed: int, dtype=np.float32, bias: str = ""):
    """Initial weights and biases.

    Args:
        layer_sizes: e.g. [784, 500, 250, 100, 10].
        scheme: one of CONCRETE_SCHEMES; ``auto`` is resolved where a run's key is made
            (``runs.plan.run_key``), so that a run names the weights it starts from.
        seed: seeds a fresh generator; the global random state is never touched.
        dtype: float32 for training, float64 for checks.
        bias: how the biases are drawn, as ``resolve_bias`` names it: "" for the scheme's own draw.

    Returns:
        A list of (W, b) per layer, W of shape (fan_in, fan_out) so that z = a @ W + b.
    """
    if scheme not in CONCRETE_SCHEMES:
        raise ValueError(f"init scheme {scheme!r} is not a concrete one; choose one of {CONCRETE_SCHEMES}")
    rng = np.random.default_rng(seed)
    return [
        tuple(a.astype(dtype) for a in _layer(rng, scheme, bias, fan_in, fan_out))
        for fan_in, fan_out in itertools.pairwise(layer_sizes)
    ]
