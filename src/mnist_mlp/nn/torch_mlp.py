"""The same network with ``torch.nn`` and PyTorch's SGD, the study's section 2.

It takes its initial weights from ``init_params`` (transposed into nn.Linear's (out, in) layout) and
exposes the same ``train_step`` / ``logits`` / ``params`` interface as ``NumpyMLP``, so the shared
training loop drives either backend unchanged.
"""

import numpy as np
import torch
from torch import nn
from torch.nn import functional
from torch.optim.sgd import sgd

from mnist_mlp.errors import DeviceError
from mnist_mlp.nn import l2 as l2_forms
from mnist_mlp.nn.costs import DEFAULT_COST, cost_kind

TORCH_ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}


def sigmoid_quadratic(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean over images of 1/2 ||sigmoid(z) - onehot(y)||^2."""
    target = functional.one_hot(y, logits.shape[1]).to(logits.dtype)
    return 0.5 * ((torch.sigmoid(logits) - target) ** 2).sum(dim=1).mean()


def sigmoid_cross_entropy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean over images of the per-unit binary cross-entropy summed over the units, from the logits."""
    target = functional.one_hot(y, logits.shape[1]).to(logits.dtype)
    return functional.binary_cross_entropy_with_logits(logits, target, reduction="none").sum(dim=1).mean()


TORCH_COSTS = {  # costs.COSTS in torch ops: each (logits, labels) -> the batch's mean cost
    "softmax_cross_entropy": nn.CrossEntropyLoss(),
    "sigmoid_quadratic": sigmoid_quadratic,
    "sigmoid_cross_entropy": sigmoid_cross_entropy,
}
_DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}


def resolve_device(device: str) -> torch.device:
    """``auto`` picks CUDA when it is available; asking for ``cuda`` without one is an error."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise DeviceError("train.device is 'cuda' but PyTorch sees no CUDA device; use 'auto' or 'cpu'")
    return torch.device(device)


def build_model(params, activation: str) -> nn.Sequential:
    """nn.Linear layers with ``activation`` between them, holding copies of ``params``."""
    layers = []
    for i, (w, b) in enumerate(params):
        linear = nn.Linear(w.shape[0], w.shape[1], dtype=_DTYPES[w.dtype])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.T)))
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if i < len(params) - 1:
            layers.append(TORCH_ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


class TorchMLP:
    """Args as for NumpyMLP, plus the device to train on.

    The ``textbook`` L2 form multiplies the weights by (1 - eta lambda / n) and then takes the plain
    SGD step (weight_decay 0): network2.py's update, biases undecayed.

    The update is ``torch.optim.sgd.sgd``, the functional form that ``torch.optim.SGD.step`` calls
    with the same arguments: the same arithmetic, without the optimizer object, whose constructor
    imports torch._dynamo (over a second of every job's start).
    """

    def __init__(
        self,
        params,
        activation: str,
        lr: float,
        weight_decay: float = 0.0,
        device: str = "cpu",
        cost: str = DEFAULT_COST,
        l2: str = l2_forms.DEFAULT_L2,
        n_train: int | None = None,
    ):
        self.device = resolve_device(device)
        self.dtype = params[0][0].dtype
        self.model = build_model(params, activation).to(self.device)
        self.lr, self.weight_decay = lr, weight_decay
        self._parameters = list(self.model.parameters())
        cost_kind(cost)  # refuses an unknown cost by name
        self.cost, self.loss_fn = cost, TORCH_COSTS[cost]
        self.l2, self.n_train = l2, n_train
        self._l2_coefficient = l2_forms.coefficient(l2, weight_decay, n_train)
        # the textbook form shrinks the weights itself, before a plain SGD step
        self._sgd_decay = weight_decay if l2_forms.decays_biases(l2) else 0.0
        self._weights = [m.weight for m in self.model if isinstance(m, nn.Linear)]

    def _tensor(self, array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(array).to(self.device, non_blocking=True)

    def train_step(self, x: np.ndarray, y: np.ndarray) -> tuple[float, int]:
        if not self.model.training:
            self.model.train()
        xt, yt = self._tensor(x.astype(self.dtype, copy=False)), self._tensor(y)
        for p in self._parameters:
            p.grad = None
        logits = self.model(xt)
        loss = self.loss_fn(logits, yt)
        loss.backward()
        with torch.no_grad():
            if self.l2 == "textbook" and self._l2_coefficient:
                shrink = 1 - self.lr * self._l2_coefficient
                for w in self._weights:
                    w.mul_(shrink)
            sgd(
                self._parameters,
                [p.grad for p in self._parameters],
                [None] * len(self._parameters),
                weight_decay=self._sgd_decay,
                momentum=0.0,
                lr=self.lr,
                dampening=0.0,
                nesterov=False,
                maximize=False,
            )
        n_correct = (logits.detach().argmax(dim=1) == yt).sum()
        return loss.item(), int(n_correct)

    @torch.no_grad()
    def logits(self, x: np.ndarray) -> np.ndarray:
        self.model.eval()
        return self.model(self._tensor(x.astype(self.dtype, copy=False))).cpu().numpy()

    @property
    def params(self):
        linears = [m for m in self.model if isinstance(m, nn.Linear)]
        return [(m.weight.detach().cpu().numpy().T.copy(), m.bias.detach().cpu().numpy().copy()) for m in linears]
