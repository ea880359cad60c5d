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

The output layer and its cost may instead be sigmoid with the quadratic or the cross-entropy
cost (``costs``), whose delta^L replaces the fused softmax one above.

Weight decay has PyTorch's meaning by default, grad <- grad + lambda * theta, applied to biases too,
as ``torch.optim.SGD(weight_decay=...)`` does; the matching loss adds lambda/2 * ||theta||^2. The
``textbook`` form (``l2``) decays the weights only, by lambda / n.
"""

import numpy as np

from mnist_mlp.nn import costs
from mnist_mlp.nn import l2 as l2_forms
from mnist_mlp.nn.activations import ACTIVATIONS


class NumpyMLP:
    """A fully connected network trained by plain mini-batch SGD.

    Args:
        params: initial [(W, b), ...] from ``init_params``; copied, never modified.
        activation: "sigmoid", "tanh" or "relu" for every hidden layer.
        lr: the learning rate eta.
        weight_decay: the L2 coefficient lambda.
        cost: the output layer and its cost, one of ``costs.COSTS``.
        l2: the form of L2 regularisation, one of ``l2.L2_FORMS``: ``torch`` (PyTorch's meaning) or
            ``textbook`` (weights only, lambda / n_train).
        n_train: the training set's size n, which the textbook form needs.
    """

    def __init__(
        self,
        params,
        activation: str,
        lr: float,
        weight_decay: float = 0.0,
        cost: str = costs.DEFAULT_COST,
        l2: str = l2_forms.DEFAULT_L2,
        n_train: int | None = None,
    ):
        self.act = ACTIVATIONS[activation]
        self.weights = [w.copy() for w, _ in params]
        self.biases = [b.copy() for _, b in params]
        self.dtype = self.weights[0].dtype
        self.lr = lr
        self.weight_decay = weight_decay
        self.cost, self._cost = cost, costs.cost_kind(cost)
        self.l2, self.n_train = l2, n_train
        self._l2_coefficient = l2_forms.coefficient(l2, weight_decay, n_train)
        self.grad_w = [np.empty_like(w) for w in self.weights]
        self.grad_b = [np.empty_like(b) for b in self.biases]
        self._buffers = {}
        self._output_scratch = {}

    @property
    def params(self):
        return list(zip(self.weights, self.biases))

    def _batch_buffers(self, batch: int):
        """Per batch size: the activations a^1..a^L, the deltas of hidden layers and a scratch each."""
        if batch not in self._buffers:
            widths = [w.shape[1] for w in self.weights]
            new = lambda n: np.empty((batch, n), dtype=self.dtype)
            self._buffers[batch] = (
                [new(n) for n in widths],
                [new(n) for n in widths[:-1]],
                [new(n) for n in widths[:-1]],
            )
        return self._buffers[batch]

    def _cost_scratch(self, z: np.ndarray) -> np.ndarray:
        """Per batch size, a scratch array of the output layer's shape for the cost."""
        if len(z) not in self._output_scratch:
            self._output_scratch[len(z)] = np.empty_like(z)
        return self._output_scratch[len(z)]

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
        """Fill grad_w and grad_b with ``scale`` times the gradients of the batch's mean cost."""
        acts, deltas, scratch = self._batch_buffers(len(x))
        logits = self._forward(x, acts)
        loss, n_correct = self._cost.delta_(logits, y, scale, self._cost_scratch(logits))
        self._backward(x, logits, acts, deltas, scratch)
        return loss, n_correct

    def train_step(self, x: np.ndarray, y: np.ndarray) -> tuple[float, int]:
        """One SGD step on a batch.

        Returns:
            The batch's mean cost (without the decay term) and its number of correct predictions,
            both before the step.
        """
        loss, n_correct = self._compute_gradients(x, y, scale=self.lr)
        if self.l2 == "textbook":
            self._textbook_update()
            return loss, n_correct
        shrink = 1 - self.lr * self.weight_decay
        for theta, lr_grad in zip(self.weights + self.biases, self.grad_w + self.grad_b):
            if self.weight_decay:
                theta *= shrink  # theta - lr * (grad + lambda * theta), in place
            theta -= lr_grad
        return loss, n_correct

    def _textbook_update(self) -> None:
        """w <- (1 - eta lambda / n) w - eta grad_w, b <- b - eta grad_b (network2.py's update_mini_batch)."""
        shrink = 1 - self.lr * self._l2_coefficient
        for w, lr_grad in zip(self.weights, self.grad_w):
            if self._l2_coefficient:
                w *= shrink
            w -= lr_grad
        for b, lr_grad in zip(self.biases, self.grad_b):
            b -= lr_grad

    def gradients(self, x: np.ndarray, y: np.ndarray):
        """The regularised loss and fresh copies of its gradients, without stepping (for checks).

        Returns:
            (loss + c/2 * ||theta||^2, [(grad_W, grad_b), ...]), with c lambda and theta every
            weight and bias (``torch``), or c = lambda / n and theta the weights alone (``textbook``).
        """
        loss, _ = self._compute_gradients(x, y)
        if self.l2 == "textbook":
            c = self._l2_coefficient
            loss += 0.5 * c * sum(float(np.sum(w * w)) for w in self.weights)
            return loss, [(gw + c * w, gb.copy()) for gw, gb, w in zip(self.grad_w, self.grad_b, self.weights)]
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
