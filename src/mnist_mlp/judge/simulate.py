"""Simulated multiverses with a known truth: what the tests across universes (``joint``) are checked
against, by the test suite and by bench/simulate_joint_fwer.py, which must run without the test
requirements."""

import itertools

import numpy as np

from mnist_mlp.judge.claims import Outcomes

_CALLS = itertools.count()  # each call's runs are new runs: they never share an identity with another call's


def simulated_outcomes(rng, n_universes, n_images, n_seeds, effect, shared_b=True) -> list[list[Outcomes]]:
    """Paired outcomes of one comparison per universe, with universes correlated as a real
    multiverse's are: every image has one difficulty, and (``shared_b``) side B is the same run in
    every universe (one identity, one outcome), as when a choice only touches side A. ``effect``
    raises A's chance per image."""
    call = next(_CALLS)
    difficulty = rng.beta(8, 2, n_images)
    b = rng.random((n_seeds, n_images)) < difficulty
    universes = []
    for u in range(n_universes):
        b_side = b if shared_b else rng.random((n_seeds, n_images)) < difficulty
        a_side = rng.random((n_seeds, n_images)) < np.clip(difficulty + effect, 0, 1)
        b_name = f"simulated{call}/b" if shared_b else f"simulated{call}/b{u}"
        universes.append(
            [
                Outcomes(
                    a_side[:, None],
                    b_side[:, None],
                    tuple((f"simulated{call}/a{u}/seed{s}",) for s in range(n_seeds)),
                    tuple((f"{b_name}/seed{s}",) for s in range(n_seeds)),
                )
            ]
        )
    return universes
