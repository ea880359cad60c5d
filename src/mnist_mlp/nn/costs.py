"""The output layer and the cost it is trained on, each kind with its formula beside its code.

Rows are images, z = z^L the output layer's pre-activations (B, 10), y the labels, onehot(y) the
targets. Each kind offers two functions:

- ``delta_(z, y, scale, scratch)``: the training step's, in place and in the network's dtype. It
  turns z into scale * delta^L = scale * dC/dz^L, where C is the batch's mean cost, and returns the
  batch's mean cost and its number of correct predictions, both computed before z is overwritten.
  ``scratch`` is a preallocated array of z's shape that the sigmoid kinds work in.
- ``summed_loss(z, y)``: evaluation's, in float64: the cost summed over the images.

A prediction is the argmax of z^L for every kind: softmax and sigmoid are both monotone.
"""

import numpy as np

from mnist_mlp.nn.activations import Sigmoid


def softmax_cross_entropy_(logits: np.ndarray, y: np.ndarray, scale: float = 1.0) -> tuple[float, int]:
    """Turn ``logits`` in place into scale * delta^L = scale * (softmax(logits) - onehot(y)) / B.

    Returns:
        The mean cross-entropy loss and the number of correct predictions, both computed before
        the logits are overwritten.
    """
    batch = len(y)
    rows = np.arange(batch)
    n_correct = int(np.count_nonzero(logits.argmax(axis=1) == y))
    logits -= logits.max(axis=1, keepdims=True)
    true_logit = logits[rows, y]
    np.exp(logits, out=logits)
    sums = logits.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(sums[:, 0]) - true_logit))
    logits /= sums
    logits[rows, y] -= 1
    logits *= scale / batch
    return loss, n_correct


def log_softmax_loss(logits: np.ndarray, y: np.ndarray) -> float:
    """Summed cross-entropy of a batch of logits, computed stably in float64."""
    z = logits.astype(np.float64)
    z -= z.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(z).sum(axis=1))
    return float(np.sum(log_norm - z[np.arange(len(y)), y]))


class SoftmaxCrossEntropy:
    """p = softmax(z^L), C = -ln p_y; delta^L = (p - onehot(y)) / B (softmax and cross-entropy fused)."""

    name = "softmax_cross_entropy"
    description = (
        "softmax outputs with the cross-entropy cost: each image costs −ln p_y, minus the log of the "
        "probability the softmax gives its label; a batch costs the mean over its images"
    )

    @staticmethod
    def delta_(z: np.ndarray, y: np.ndarray, scale: float, scratch: np.ndarray) -> tuple[float, int]:
        return softmax_cross_entropy_(z, y, scale)

    summed_loss = staticmethod(log_softmax_loss)


def _correct(z: np.ndarray, y: np.ndarray) -> int:
    return int(np.count_nonzero(z.argmax(axis=1) == y))


class SigmoidQuadratic:
    """a = sigmoid(z^L), C = 1/2 ||a - onehot(y)||^2 (Nielsen's network.py);
    delta^L = (a - onehot(y)) * a (1 - a) / B (BP1 with sigma'(z) = a (1 - a))."""

    name = "sigmoid_quadratic"
    description = (
        "sigmoid outputs with the quadratic cost, as in Nielsen's network.py: each image costs ½‖a − y‖², "
        "half the squared distance between the 10 outputs and its one-hot label; a batch costs the mean "
        "over its images"
    )

    @staticmethod
    def delta_(z: np.ndarray, y: np.ndarray, scale: float, scratch: np.ndarray) -> tuple[float, int]:
        batch = len(y)
        n_correct = _correct(z, y)
        Sigmoid.forward_(z)
        np.subtract(1, z, out=scratch)
        scratch *= z  # a (1 - a)
        z[np.arange(batch), y] -= 1  # a - onehot(y)
        loss = 0.5 * float(np.vdot(z, z)) / batch
        z *= scratch
        z *= scale / batch
        return loss, n_correct

    @staticmethod
    def summed_loss(logits: np.ndarray, y: np.ndarray) -> float:
        a = logits.astype(np.float64)
        Sigmoid.forward_(a)
        a[np.arange(len(y)), y] -= 1
        return 0.5 * float(np.vdot(a, a))


class SigmoidCrossEntropy:
    """a = sigmoid(z^L), C = -sum_k [y_k ln a_k + (1 - y_k) ln(1 - a_k)] (Nielsen's network2.py);
    delta^L = (a - onehot(y)) / B. The cost is computed from z, never from a, as
    sum_k [max(z_k, 0) - y_k z_k + ln(1 + exp(-|z_k|))], which cannot take the log of 0."""

    name = "sigmoid_cross_entropy"
    description = (
        "sigmoid outputs with the cross-entropy cost, as in Nielsen's network2.py: each image costs "
        "−Σₖ [yₖ ln aₖ + (1 − yₖ) ln(1 − aₖ)], the cross-entropy of each of the 10 outputs against its "
        "one-hot target, summed over the outputs; a batch costs the mean over its images"
    )

    @staticmethod
    def _summed(z: np.ndarray, y: np.ndarray, scratch: np.ndarray) -> float:
        """The cost summed over the batch, from z (left as it is)."""
        np.abs(z, out=scratch)
        np.negative(scratch, out=scratch)
        np.exp(scratch, out=scratch)
        np.log1p(scratch, out=scratch)
        total = float(np.sum(scratch))
        np.maximum(z, 0, out=scratch)
        return total + float(np.sum(scratch)) - float(np.sum(z[np.arange(len(y)), y]))

    @staticmethod
    def delta_(z: np.ndarray, y: np.ndarray, scale: float, scratch: np.ndarray) -> tuple[float, int]:
        batch = len(y)
        n_correct = _correct(z, y)
        loss = SigmoidCrossEntropy._summed(z, y, scratch) / batch
        Sigmoid.forward_(z)
        z[np.arange(batch), y] -= 1
        z *= scale / batch
        return loss, n_correct

    @staticmethod
    def summed_loss(logits: np.ndarray, y: np.ndarray) -> float:
        z = logits.astype(np.float64)
        return SigmoidCrossEntropy._summed(z, y, np.empty_like(z))


KINDS = {kind.name: kind for kind in (SoftmaxCrossEntropy, SigmoidQuadratic, SigmoidCrossEntropy)}
COSTS = tuple(KINDS)  # ("softmax_cross_entropy", "sigmoid_quadratic", "sigmoid_cross_entropy")
DEFAULT_COST = COSTS[0]
DESCRIPTIONS = {name: kind.description for name, kind in KINDS.items()}  # each cost in words, for the report


def cost_kind(cost: str):
    """The class of the cost named ``cost``."""
    if cost not in KINDS:
        raise ValueError(f"unknown cost {cost!r}; choose one of {COSTS}")
    return KINDS[cost]
