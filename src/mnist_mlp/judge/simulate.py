"""Simulated multiverses with a known truth: what the tests across universes (``joint``) are checked
against, by the test suite and by bench/simulate_joint_fwer.py, which must run without the test
requirements."""

import numpy as np

from mnist_mlp.judge.claims import Outcomes


def simulated_outcomes(rng, n_universes, n_images, n_seeds, effect, shared_b=True) -> list[list[Outcomes]]:
    """Paired outcomes of one comparison per universe, with universes correlated as a real
    multiverse's are: every image has one difficulty, and (``shared_b``) side B is the same run in
    every universe, as when a choice only touches side A. ``effect`` raises A's chance per image."""
    difficulty = rng.beta(8, 2, n_images)
    b = rng.random((n_seeds, n_images)) < difficulty
    universes = []
    for _ in range(n_universes):
        b_side = b if shared_b else rng.random((n_seeds, n_images)) < difficulty
        a_side = rng.random((n_seeds, n_images)) < np.clip(difficulty + effect, 0, 1)
        universes.append([Outcomes((a_side.astype(np.int8) - b_side.astype(np.int8)), 1)])
    return universes
