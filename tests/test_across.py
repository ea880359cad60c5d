"""What a multiverse says as a whole: the variance of a claim's difference split by choice
(judge/choices.py) and one test across every universe (judge/joint.py), on simulated grids with
known answers; tests/test_joint_shared.py checks what its draws do to runs that universes share."""

import itertools

import numpy as np
import pytest

from mnist_mlp.judge.choices import SEEDS, components, decompose
from mnist_mlp.judge.claims import Outcomes, Rules, paired
from mnist_mlp.judge.joint import Grid, draw, joint_test, maxt_adjusted, statistics
from mnist_mlp.judge.simulate import simulated_outcomes
from mnist_mlp.judge.stats import HOLDS

RULES = Rules(alpha=0.05, margin_pp=0.5, loss_margin_pct=5)
OPTIONS = {"init": ["auto", "he", "glorot", "normal"], "lr": [0.1, 0.01, 0.001]}
AXES = list(OPTIONS)
OWN = ("auto", 0.1)


def grid_values(value_of, n_seeds=3, seed=0) -> dict[tuple, np.ndarray]:
    """Per-seed differences of every universe: value_of(universe options, rng, n_seeds)."""
    rng = np.random.default_rng(seed)
    return {cell: value_of(cell, rng, n_seeds) for cell in itertools.product(*OPTIONS.values())}


def test_the_terms_add_up_to_the_total_sum_of_squares_of_any_grid():
    values = np.random.default_rng(1).normal(size=(3, 2, 4, 5))
    sums = components(values, ["a", "b", "c"])
    assert set(sums) == {"a", "b", "c", "a × b", "a × c", "b × c", "a × b × c", SEEDS}
    assert sum(ss for ss, _ in sums.values()) == pytest.approx(np.sum((values - values.mean()) ** 2))
    assert sum(df for _, df in sums.values()) == values.size - 1


def test_an_effect_planted_in_one_axis_gets_the_variance_and_its_options_their_difference():
    steps = {"auto": 0.0, "he": 1.0, "glorot": 2.0, "normal": -8.0}
    found = decompose(grid_values(lambda cell, rng, k: steps[cell[0]] + rng.normal(0, 0.2, k)), AXES, OPTIONS, OWN)
    assert found.shares["init"] >= 90 and sum(found.shares.values()) == pytest.approx(100)
    effects = dict(found.option_effects["init"])
    assert effects["auto"] == 0 and effects["normal"] == pytest.approx(-8, abs=0.3)
    assert effects["he"] == pytest.approx(1, abs=0.3)  # against the report's own option, in its sign
    assert all(abs(v) < 0.3 for _, v in found.option_effects["lr"])


def test_seed_noise_alone_goes_to_the_seeds():
    # raw sums of squares would give the axes about a third of pure noise here (23 of 35 degrees of
    # freedom are the seeds'); what is left after each term's expected noise is small, on average
    found = [
        decompose(grid_values(lambda cell, rng, k: 3 + rng.normal(0, 1, k), seed=i), AXES, OPTIONS, OWN).shares
        for i in range(200)
    ]
    assert np.mean([f[SEEDS] for f in found]) >= 85
    assert all(np.mean([f[term] for f in found]) < 6 for term in ("init", "lr", "init × lr"))


def test_an_interaction_is_its_own_term_not_a_main_effect():
    only_together = lambda cell, rng, k: (5.0 if cell == ("normal", 0.001) else 0.0) + rng.normal(0, 0.01, k)  # noqa: E731
    found = decompose(grid_values(only_together), AXES, OPTIONS, OWN)
    assert found.shares["init × lr"] > max(found.shares["init"], found.shares["lr"])


def test_one_seed_per_universe_gives_no_share_and_says_why_three_seeds_do():
    axes, options, own = ["init"], {"init": ["auto", "standard_normal"]}, ("auto",)
    # a difference of +0.03 and +0.02 points: noise, which one seed cannot tell from a choice's effect
    one = decompose({("auto",): np.array([0.03]), ("standard_normal",): np.array([0.02])}, axes, options, own)
    assert one.shares is None and one.reason.startswith("one seed per universe") and "train.seeds" in one.reason
    assert one.option_effects["init"] == [("auto", 0.0), ("standard_normal", pytest.approx(-0.01))]
    rng = np.random.default_rng(0)
    three = decompose(
        {cell: rng.normal(0.02, 0.05, 3) for cell in [("auto",), ("standard_normal",)]}, axes, options, own
    )
    assert three.reason is None and sum(three.shares.values()) == pytest.approx(100)


def test_a_missing_cell_or_an_uneven_seed_count_is_not_decomposed_and_says_why():
    values = grid_values(lambda cell, rng, k: rng.normal(0, 1, k))
    values["normal", 0.01] = None
    found = decompose(values, AXES, OPTIONS, OWN)
    assert found.shares is None and found.reason.startswith("1 of 12 universes have nothing to compare (normal/0.01)")
    assert len(found.option_effects["init"]) == 4  # the option means still use the universes there are
    uneven = grid_values(lambda cell, rng, k: rng.normal(0, 1, k))
    uneven["he", 0.1] = uneven["he", 0.1][:2]
    assert "different numbers of seeds" in decompose(uneven, AXES, OPTIONS, OWN).reason
    assert decompose({(): np.ones(3)}, [], {}, ()).reason.startswith("no choice varies here")


@pytest.mark.parametrize("shared_b", [True, False])
def test_with_no_effect_the_family_wise_error_is_at_most_five_percent(shared_b):
    rng = np.random.default_rng(2026)
    n_grids, alpha = 1000, 0.05
    errors = {"maxt": 0, "median": 0, "count": 0}
    for i in range(n_grids):
        grid = Grid.of(simulated_outcomes(rng, 12, 600, 3, 0.0, shared_b))
        test = joint_test(draw({"c": grid}, 400, RULES, seed=i)["c"], alpha)
        errors["maxt"] += test.n_maxt > 0
        errors["median"] += test.p_median <= alpha
        errors["count"] += test.p_count <= alpha
    allowance = alpha + 3 * np.sqrt(alpha * (1 - alpha) / n_grids)  # three standard errors of simulation
    assert {k: v / n_grids for k, v in errors.items()} == {k: pytest.approx(0, abs=allowance) for k in errors}


def test_on_correlated_universes_with_a_real_effect_maxt_rejects_at_least_as_many_as_holm():
    rng = np.random.default_rng(7)
    for i in range(20):
        grid = Grid.of(simulated_outcomes(rng, 12, 2000, 3, 0.02, shared_b=True))
        test = joint_test(draw({"c": grid}, 1000, RULES, seed=i)["c"], 0.05)
        assert test.n_maxt >= test.n_holm
    assert test.n_maxt > 0 and test.p_median < 0.01  # the effect is found at all


def test_the_observed_count_is_the_verdicts_and_an_effect_against_the_claim_is_not_evidence_for_it():
    rng = np.random.default_rng(3)
    universes, verdicts = [], []
    for effect in [0.0, 0.01, 0.03, 0.06, -0.06]:
        difficulty = rng.beta(8, 2, 3000)
        a = rng.random((3, 3000)) < np.clip(difficulty + effect, 0, 1)
        b = rng.random((3, 3000)) < difficulty
        judged = paired(
            [[(a[k], b[k])] for k in range(3)], RULES, [[(f"a{effect}/{k}", f"b{effect}/{k}")] for k in range(3)]
        )
        universes.append([judged.outcomes])
        verdicts.append(judged.verdict)
    grid = Grid.of(universes)
    estimate, _, holds = statistics(grid, np.ones((1, 3000), np.int8), RULES)
    assert list(holds[0]) == [v == HOLDS for v in verdicts] and 0 < sum(holds[0]) < 5
    test = joint_test(draw({"c": grid}, 1000, RULES, seed=0)["c"], 0.05)
    assert test.count == sum(v == HOLDS for v in verdicts)
    assert test.p_maxt[-1] > 0.5 and test.p_maxt[3] < 0.01  # the universe against the claim is not evidence for it
    flipped = Grid.of([[Outcomes(o.b, o.a, o.b_runs, o.a_runs) for o in u] for u in universes])
    assert joint_test(draw({"c": flipped}, 1000, RULES, seed=0)["c"], 0.05).p_maxt[-1] < 0.01


def test_a_universe_with_a_comparison_missing_is_left_out_and_never_holds():
    rng = np.random.default_rng(4)
    universes = simulated_outcomes(rng, 4, 500, 3, 0.2)
    universes[1] = [None]
    grid = Grid.of(universes)
    assert list(grid.tested) == [True, False, True, True]
    test = joint_test(draw({"c": grid}, 200, RULES, seed=0)["c"], 0.05)
    assert test.n_tested == 3 and np.isnan(test.p_maxt[1]) and test.count == 3


def test_maxt_step_down_is_the_hand_computed_successive_maximum():
    observed = np.array([3.0, 1.0, 2.0])
    null = np.array([[2.5, 0.0, 0.0], [0.0, 1.5, 0.0], [0.0, 0.0, 2.5], [0.0, 0.0, 0.0]])
    # order 3, 2, 1: max over all draws' rows (2.5, 1.5, 2.5, 0) >= 3 in none: p = 1/5; then
    # over universes {2, 1}: (0, 1.5, 2.5, 0) >= 2 once: 2/5; then {1}: (0, 1.5, 0, 0) >= 1 once: 2/5
    assert list(maxt_adjusted(observed, null)) == pytest.approx([1 / 5, 2 / 5, 2 / 5])


def test_each_draw_swaps_the_same_images_in_every_universe_and_every_claim():
    rng = np.random.default_rng(5)
    (universe,) = simulated_outcomes(rng, 1, 800, 3, 0.05)
    other = simulated_outcomes(rng, 1, 800, 3, 0.05)[0]
    grids = {"twice": Grid.of([universe, universe, other]), "again": Grid.of([universe])}
    draws = draw(grids, 300, RULES, seed=1)
    # a universe and its copy move together in every draw, within a claim and across claims
    assert np.array_equal(draws["twice"].t[:, 0], draws["twice"].t[:, 1])
    assert np.array_equal(draws["twice"].t[:, 0], draws["again"].t[:, 0])
    assert not np.array_equal(draws["twice"].t[1:, 0], draws["twice"].t[1:, 2])
