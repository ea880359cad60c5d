"""The backends by name, and the model of each: the one place that knows which classes they are."""

import numpy as np

from mnist_mlp.data.arrays import IMAGE_PIXELS, N_CLASSES
from mnist_mlp.nn.costs import DEFAULT_COST
from mnist_mlp.nn.init import init_params
from mnist_mlp.nn.l2 import DEFAULT_L2

BACKENDS = ("numpy", "torch")  # from scratch (the study's section 1), and torch.nn (section 2)
DTYPES = ("float32", "float64")  # what either backend trains in: float32 for runs, float64 for checks
DEVICES = ("cpu", "cuda")  # where the torch backend trains; train.device "auto" picks one of them


def make_model(
    backend: str,
    activation: str,
    hidden,
    init: str,
    seed: int,
    lr: float,
    weight_decay: float,
    dtype: str = "float32",
    device: str = "cpu",
    *,
    cost: str = DEFAULT_COST,
    bias_init: str = "",
    l2: str = DEFAULT_L2,
    n_train: int | None = None,
):
    """The backend's model at its seeded initial weights (``init`` a concrete scheme and ``bias_init``
    ``init.resolve_bias``'s name for the biases: see ``init.init_params``), the same arrays for either
    backend, trained on ``cost`` (``costs.COSTS``) with L2 of the form ``l2`` (``l2.L2_FORMS``; the
    textbook form needs ``n_train``, the training set's size)."""
    if dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; choose one of {DTYPES}")
    sizes = [IMAGE_PIXELS, *hidden, N_CLASSES]
    params = init_params(sizes, init, seed, np.dtype(dtype), bias_init)
    options = {"cost": cost, "l2": l2, "n_train": n_train}
    if backend == "numpy":
        from mnist_mlp.nn.numpy_mlp import NumpyMLP

        return NumpyMLP(params, activation, lr, weight_decay, **options)
    if backend == "torch":  # imported only here: torch costs a second to import
        from mnist_mlp.nn.torch_mlp import TorchMLP

        return TorchMLP(params, activation, lr, weight_decay, device, **options)
    raise ValueError(f"unknown backend {backend!r}; choose one of {BACKENDS}")
