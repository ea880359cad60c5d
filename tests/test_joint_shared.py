"""The test across universes (judge/joint.py) where universes share runs: a draw relabels the runs
that the comparisons link, so a run every universe shares is still one run in every draw, and each
draw's statistics are those of the data it relabels; where every component is a pair, the draws are
the sign flips they were before runs were told apart."""

import numpy as np
import pandas as pd
import pytest

from mnist_mlp.judge.claims import Evidence, Outcomes, Rules, judge
from mnist_mlp.judge.joint import Grid, draw, joint_test, statistics
from mnist_mlp.judge.simulate import simulated_outcomes

RULES = Rules(alpha=0.05, margin_pp=0.5, loss_margin_pct=5)


def own_runs(seed: int, n_universes=5, n_comparisons=2, n_seeds=3, n_strata=2, n_images=400) -> list[list[Outcomes]]:
    """Universes with runs of their own, each comparison over ``n_strata`` strata; A is better by
    0, 2 or 4 points, by universe."""
    rng = np.random.default_rng(seed)
    difficulty = rng.beta(8, 2, n_images)
    shape = (n_seeds, n_strata, n_images)
    universes = []
    for u in range(n_universes):
        comparisons = []
        for c in range(n_comparisons):
            a = rng.random(shape) < np.clip(difficulty + 0.02 * (u % 3), 0, 1)
            b = rng.random(shape) < difficulty
            a_runs, b_runs = (
                tuple(tuple(f"{side}{u}/{c}/{s}/{r}" for r in range(n_strata)) for s in range(n_seeds)) for side in "ab"
            )
            comparisons.append(Outcomes(a, b, a_runs, b_runs))
        universes.append(comparisons)
    return universes


def test_where_every_component_is_a_pair_the_draws_are_the_sign_flips_they_were():
    grid = Grid.of(own_runs(11))
    assert grid.groups == []
    draws = draw({"c": grid}, 199, RULES, seed=4)["c"]
    test = joint_test(draws, 0.05)
    # computed by the sign-flip test before runs were told apart (commit 6361200): p-values × (199 + 1)
    assert np.rint(200 * test.p_flip).astype(int).tolist() == [70, 1, 1, 163, 18]
    assert np.rint(200 * test.p_maxt).astype(int).tolist() == [107, 1, 1, 163, 58]
    assert draws.t[5].tolist() == [
        0.49407581116212945,
        -0.7352603579032706,
        -1.6303469226158283,
        0.47839934928140787,
        -0.7665695441245898,
    ]
    # a grid whose runs are shifted, drawn beside it, leaves its sign flips as they were
    shared = Grid.of(simulated_outcomes(np.random.default_rng(0), 4, 400, 3, 0.0, shared_b=True))
    assert np.array_equal(draw({"c": grid, "shared": shared}, 199, RULES, seed=4)["c"].t, draws.t)


def test_in_every_draw_a_run_that_every_universe_shares_is_still_one_run():
    rng = np.random.default_rng(1)
    universes = simulated_outcomes(rng, 5, 300, 3, 0.0, shared_b=True)
    grid = Grid.of(universes)
    assert [len(runs) for runs in grid.groups] == [6, 6, 6]  # per seed: B and the five A's
    signs = 1 - 2 * rng.integers(0, 2, (20, 300), dtype=np.int8)
    shifts = grid.random_shifts(rng, 20)
    before = np.array([[u[0].a[s, 0] for u in universes] + [universes[0][0].b[s, 0]] for s in range(3)])
    for d in range(20):
        after = grid.relabelled(signs[d], shifts[d])
        for s in range(3):
            b_sides = [u[0].b[s, 0] for u in after]
            assert all(np.array_equal(b, b_sides[0]) for b in b_sides)
            runs = np.array([u[0].a[s, 0] for u in after] + [b_sides[0]])
            # a relabelling: on each image, the same outcomes among the same runs
            assert np.array_equal(runs.sum(axis=0), before[s].sum(axis=0))
        assert not np.array_equal(after[0][0].b, universes[0][0].b)
    # what a plain sign flip would do: B takes each universe's own A where it swaps, so no longer one run
    flipped_b = [np.where(signs[0] < 0, u[0].a, u[0].b) for u in universes]
    assert not all(np.array_equal(b, flipped_b[0]) for b in flipped_b)


def test_universes_that_share_b_and_have_equal_a_sides_move_apart_in_the_draws():
    rng = np.random.default_rng(2)
    difficulty = rng.beta(8, 2, 500)
    a, b = (rng.random((3, 1, 500)) < difficulty for _ in range(2))
    seeds = range(3)
    same_a = [
        [Outcomes(a, b, tuple((f"a{u}/{s}",) for s in seeds), tuple((f"b/{s}",) for s in seeds))] for u in range(2)
    ]
    draws = draw({"c": Grid.of(same_a)}, 200, RULES, seed=0)["c"]
    assert draws.t[0, 0] == draws.t[0, 1]  # the same data
    # a sign flip would keep the two differences equal in every draw; relabelling the three runs does not
    assert np.mean(draws.t[1:, 0] != draws.t[1:, 1]) > 0.5


def apart(universes: list[list[Outcomes] | None]) -> list[list[Outcomes] | None]:
    """The same outcomes, with every run given a name of its own: universes that shared it no longer do."""

    def renamed(runs, *where):
        return tuple(tuple((*where, name) for name in by_seed) for by_seed in runs)

    return [
        u and [Outcomes(o.a, o.b, renamed(o.a_runs, i, c), renamed(o.b_runs, i, c)) for c, o in enumerate(u)]
        for i, u in enumerate(universes)
    ]


def mixed(rng, n: int, n_seeds: int) -> list[list[Outcomes] | None]:
    """Two comparisons: the first with B one run every universe shares, the second over two strata
    with runs of its own, but stratum 1's B shared by the even universes; a sixth universe untested."""
    difficulty = rng.beta(8, 2, n)
    shared_b = rng.random((n_seeds, 2, n)) < difficulty
    universes = []
    for u in range(5):
        # universe 4's A gets every image right: sums past what int8 holds
        a0 = rng.random((n_seeds, 1, n)) < (difficulty if u < 4 else 1)
        first = Outcomes(
            a0,
            shared_b[:, :1],
            tuple((f"a0/{u}/{s}",) for s in range(n_seeds)),
            tuple((f"b/{s}/0",) for s in range(n_seeds)),
        )
        a1, b1 = rng.random((n_seeds, 2, n)) < difficulty, rng.random((n_seeds, 2, n)) < difficulty
        if u % 2 == 0:
            b1[:, 1] = shared_b[:, 1]
        b_names = [(f"b1/{u}/{s}", f"b/{s}/1" if u % 2 == 0 else f"b1/{u}/{s}/1") for s in range(n_seeds)]
        second = Outcomes(a1, b1, tuple((f"a1/{u}/{s}/0", f"a1/{u}/{s}/1") for s in range(n_seeds)), tuple(b_names))
        universes.append([first, second])
    return [*universes, [None, None]]


def across_seeds(rng, n: int, n_seeds: int) -> list[list[Outcomes]]:
    """Three universes whose B is one run at every seed: one group over all seeds."""
    difficulty = rng.beta(8, 2, n)
    b = np.repeat(rng.random((1, 1, n)) < difficulty, n_seeds, axis=0)
    return [
        [
            Outcomes(
                rng.random((n_seeds, 1, n)) < difficulty,
                b,
                tuple((f"a/{u}/{s}",) for s in range(n_seeds)),
                (("b",),) * n_seeds,
            )
        ]
        for u in range(3)
    ]


def test_each_draw_gives_the_statistics_of_the_data_it_relabels():
    rng = np.random.default_rng(3)
    n, n_seeds = 800, 3
    grids = [Grid.of(mixed(rng, n, n_seeds)), Grid.of(across_seeds(rng, n, n_seeds))]
    assert sorted(len(runs) for runs in grids[0].groups) == [4, 4, 4, 6, 6, 6]
    assert np.abs(grids[0].sums[4, 0].astype(int).sum(axis=1)).max() > 127
    assert [len(runs) for runs in grids[1].groups] == [10]
    for grid in grids:
        signs = 1 - 2 * rng.integers(0, 2, (8, n), dtype=np.int8)
        shifts = grid.random_shifts(rng, 8)
        shifts[0] = 0  # the observed data
        fast = statistics(grid, signs, RULES, shifts)
        for d in range(8):
            # the relabelled data with every run renamed apart: no group, the statistics straight from the sums
            plain = Grid.of(apart(grid.relabelled(signs[d], shifts[d])))
            for quick, built in zip(fast, statistics(plain, np.ones((1, n), np.int8), RULES)):
                assert quick[d] == pytest.approx(built[0], rel=1e-12, abs=1e-12, nan_ok=True)


LABELS = np.random.default_rng(0).permutation(np.arange(2000) % 10)


def evidence(accuracies: dict[str, float]) -> Evidence:
    """Runs of experiment "base", one per activation and seed, right on a share of the images."""
    rows, tables = [], {}
    for activation, accuracy in accuracies.items():
        for seed in range(3):
            folder = f"runs/base-{activation}-seed{seed}"
            predicted = LABELS.copy()
            wrong = np.random.default_rng([seed, len(rows)]).random(len(LABELS)) > accuracy
            predicted[wrong] = (predicted[wrong] + 1) % 10
            tables[folder] = pd.DataFrame({"label": LABELS, "predicted": predicted})
            rows.append(
                {"dataset": "mnist", "experiment": "base", "activation": activation, "seed": seed, "dir": folder}
                | {"diverged": False, "failed_to_learn": False}
            )
    return Evidence(pd.DataFrame(rows), read_predictions=tables.__getitem__)


def test_runs_are_named_by_their_folder_and_the_input_blind_guess_is_no_run():
    runs = evidence({"relu": 0.97, "tanh": 0.95, "sigmoid": 0.93})
    best = {"kind": "best_activation", "experiment": "base", "activation": "relu"}
    judged = judge(best, runs, RULES)
    assert judged.outcomes[0].a_runs == (
        ("runs/base-relu-seed0",),
        ("runs/base-relu-seed1",),
        ("runs/base-relu-seed2",),
    )
    # two universes with the same runs: relu, tanh and sigmoid of each seed are one group of three
    grid = Grid.of([judged.outcomes, judged.outcomes])
    assert [grid.runs[r] for r in grid.groups[0]] == [
        "runs/base-relu-seed0",
        "runs/base-tanh-seed0",
        "runs/base-sigmoid-seed0",
    ]
    assert len(grid.groups) == 3 and len(grid.runs) == 9
    at_chance = judge({"kind": "at_chance", "experiment": "base", "activation": "sigmoid"}, runs, RULES)
    assert at_chance.outcomes[0].b_runs == ((None,), (None,), (None,))
    with pytest.raises(ValueError, match="no run"):
        Grid.of([at_chance.outcomes])


def test_one_run_with_two_outcomes_is_refused():
    (universe,) = simulated_outcomes(np.random.default_rng(4), 1, 100, 1, 0.0)
    (o,) = universe
    other = Outcomes(~o.a, o.b, o.a_runs, o.b_runs)
    with pytest.raises(ValueError, match="different test images right"):
        Grid.of([[o], [other]])


def test_with_b_shared_the_observed_largest_t_is_as_likely_at_any_rank_among_the_draws():
    # few images, each right for about 95 % of runs: where flipping every A - B at once is far from
    # exact (the observed largest t then comes last among 19 flips twice as often as it should)
    rng, n_draws = np.random.default_rng(8), 19
    ranks = np.zeros(n_draws + 1, int)
    for i in range(1000):
        difficulty = rng.beta(30, 1.5, 60)
        b = rng.random((1, 1, 60)) < difficulty
        universes = [[Outcomes(rng.random((1, 1, 60)) < difficulty, b, ((f"a{u}",),), (("b",),))] for u in range(12)]
        largest = draw({"c": Grid.of(universes)}, n_draws, RULES, seed=i)["c"].t.max(axis=1)
        above, tied = np.sum(largest[1:] > largest[0]), np.sum(largest[1:] == largest[0])
        ranks[above + rng.integers(0, tied + 1)] += 1  # ties broken at random: every rank equally likely
    expected = 1000 / (n_draws + 1)
    assert np.sum((ranks - expected) ** 2 / expected) < 43.8  # chi-squared, 19 degrees of freedom: p = 0.001
