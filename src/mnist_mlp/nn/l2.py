"""L2 regularisation in its two common forms, the same in both backends.

- ``torch``: PyTorch's ``weight_decay``: every step the gradient gains lambda * theta for every
  weight and bias, so theta <- (1 - eta lambda) theta - eta grad; the matching loss adds
  lambda/2 * sum ||theta||^2.
- ``textbook``: Nielsen's network2.py: weights only, w <- (1 - eta lambda / n) w - eta grad, with n
  the training set's size and grad the gradient of the batch's mean cost; the matching loss adds
  lambda / (2 n) * sum ||W||^2. Biases are not decayed.

Both are the gradient of (coefficient / 2) * sum ||theta||^2 over the decayed parameters, with
coefficient lambda or lambda / n.
"""

L2_FORMS = ("torch", "textbook")
DEFAULT_L2 = L2_FORMS[0]
DESCRIPTIONS = {  # each form in words, for the report
    "torch": "PyTorch's weight_decay: each step adds λθ to the gradient of every weight and bias",
    "textbook": (
        "Nielsen's network2.py: each step shrinks the weights by (1 − ηλ/n), n the training set's size; "
        "biases are not decayed"
    ),
}


def coefficient(l2: str, weight_decay: float, n_train: int | None) -> float:
    """The coefficient c of the penalty (c/2) * sum ||theta||^2: lambda, or lambda / n for ``textbook``.

    Raises:
        ValueError: an unknown form, or ``textbook`` decay without the training set's size.
    """
    if l2 not in L2_FORMS:
        raise ValueError(f"unknown L2 form {l2!r}; choose one of {L2_FORMS}")
    if l2 == "torch" or not weight_decay:
        return weight_decay
    if not n_train or n_train <= 0:
        raise ValueError(f"the textbook L2 form divides lambda by the training set's size; got n_train={n_train!r}")
    return weight_decay / n_train


def decays_biases(l2: str) -> bool:
    return l2 == "torch"
