"""The multilayer perceptron with backpropagation written from scratch in NumPy.

Notation follows Nielsen's "Neural Networks and Deep Learning", with rows as samples:
    z^l = a^{l-1} W^l + b^l,   a^l = f(z^l),   a^0 = x,   output p = softmax(z^L)
    loss = mean_i -log p_i[y_i]
    delta^L = (p - onehot(y)) / B                         (softmax and cross-entropy fused)
    delta^{l-1} = (delta^l W^l^T) * f'(z^{l-1})           (BP2)
    grad_W^l = a^{l-1}^T delta^l,  grad_b^l = sum_i delta^l_i   (BP3, BP4)
Departures from the textbook: the 1/B of the mean loss and, in a training step, the learning
rate are folded into delta^L, so every gradient comes out already scaled by eta (backpropagation
is linear in delta) and the update is a single subtraction; no delta is
computed for the input layer, which has no weights below it; every array of a step is
preallocated per batch size, so the inner loop allocates almost nothing.

Weight decay has PyTorch's meaning, grad <- grad + lambda * theta, applied to biases too, as
``torch.optim.SGD(weight_decay=...)`` does; the matching loss adds lambda/2 * ||theta||^2.
"""

import numpy as np

from mnist_mlp.nn.activations import ACTIVATIONS


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


class NumpyMLP:
    """A fully connected network trained by plain mini-batch SGD.

    Args:
        params: initial [(W, b), ...] from ``init_params``; copied, never modified.
        activation: "sigmoid", "tanh" or "relu" for every hidden layer.
        lr: the learning rate eta.
        weight_decay: the L2 coefficient lambda (PyTorch's meaning).
    """

    def __init__(self, params, activation: str, lr: float, weight_decay: float = 0.0):
        self.act = ACTIVATIONS[activation]
        self.weights = [w.copy() for w, _ in params]
        self.biases = [b.copy() for _, b in params]
        self.dtype = self.weights[0].dtype
        self.lr = lr
        self.weight_decay = weight_decay
        self.grad_w = [np.empty_like(w) for w in self.weights]
        self.grad_b = [np.empty_like(b) for b in self.biases]
        self._buffers = {}

    @property
    def params(self):
        return list(zip(self.weights, self.biases))

    def _batch_buffers(self, batch: int):
        """Per batch size: the activations a^1..a^L, the deltas of hidden layers and a scratch each."""
        if batch not in self._buffers:
            widths = [w.shape[1] for w in self.weights]
            new = lambda n: np.empty((batch, n), dtype=self.dtype)  # noqa: E731
            self._buffers[batch] = (
                [new(n) for n in widths],
                [new(n) for n in widths[:-1]],
                [new(n) for n in widths[:-1]],
            )
        return self._buffers[batch]

    def _forward(self, x: np.ndarray, acts: list[np.ndarray]) -> np.ndarray:
        a = x
        last = len(self.weights) - 1
        for layer, (w, b, z) in enumerate(zip(self.weights, self.biases, acts)):
            np.matmul(a, w, out=z)
            z += b
            if layer < last:
                self.act.forward_(z)
            a = z
        return a

    def _backward(self, x: np.ndarray, delta: np.ndarray, acts, deltas, scratch) -> None:
        """Fill grad_w and grad_b from delta^L. Reads the weights, so run it before updating them."""
        for layer in range(len(self.weights) - 1, -1, -1):
            a_below = x if layer == 0 else acts[layer - 1]
            np.matmul(a_below.T, delta, out=self.grad_w[layer])
            np.sum(delta, axis=0, out=self.grad_b[layer])
            if layer > 0:
                delta_below = deltas[layer - 1]
                np.matmul(delta, self.weights[layer].T, out=delta_below)
                self.act.backward_(acts[layer - 1], delta_below, scratch[layer - 1])
                delta = delta_below

    def _compute_gradients(self, x: np.ndarray, y: np.ndarray, scale: float = 1.0) -> tuple[float, int]:
        """Fill grad_w and grad_b with ``scale`` times the gradients of the mean cross-entropy."""
        acts, deltas, scratch = self._batch_buffers(len(x))
        logits = self._forward(x, acts)
        loss, n_correct = softmax_cross_entropy_(logits, y, scale)
        self._backward(x, logits, acts, deltas, scratch)
        return loss, n_correct

    def train_step(self, x: np.ndarray, y: np.ndarray) -> tuple[float, int]:
        """One SGD step on a batch.

        Returns:
            The batch's mean cross-entropy (without the decay term) and its number of correct
            predictions, both before the step.
        """
        loss, n_correct = self._compute_gradients(x, y, scale=self.lr)
        shrink = 1 - self.lr * self.weight_decay
        for theta, lr_grad in zip(self.weights + self.biases, self.grad_w + self.grad_b):
            if self.weight_decay:
                theta *= shrink  # theta - lr * (grad + lambda * theta), in place
            theta -= lr_grad
        return loss, n_correct

    def gradients(self, x: np.ndarray, y: np.ndarray):
        """The regularised loss and fresh copies of its gradients, without stepping (for checks).

        Returns:
            (loss + lambda/2 * ||theta||^2, [(grad_W, grad_b), ...]).
        """
        loss, _ = self._compute_gradients(x, y)
        thetas = self.weights + self.biases
        loss += 0.5 * self.weight_decay * sum(float(np.sum(t * t)) for t in thetas)
        grads = [
            (gw + self.weight_decay * w, gb + self.weight_decay * b)
            for gw, gb, w, b in zip(self.grad_w, self.grad_b, self.weights, self.biases)
        ]
        return loss, grads

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Output-layer pre-activations for a batch of any size (allocates; for evaluation)."""
        acts = [np.empty((len(x), w.shape[1]), dtype=self.dtype) for w in self.weights]
        return self._forward(x.astype(self.dtype, copy=False), acts)
