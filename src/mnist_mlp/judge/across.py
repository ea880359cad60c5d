"""What a whole multiverse says about each claim, beyond its verdict in each universe: which choices
move the difference it rests on (``choices``), and one test of "A beats B" across every universe
(``joint``), scope by scope (each scope has its own test set)."""

import numpy as np
import pandas as pd

from mnist_mlp.judge import choices, joint
from mnist_mlp.judge.claims import Outcomes, Rules
from mnist_mlp.judge.multiverse import scopes
from mnist_mlp.judge.stats import UNTESTED
from mnist_mlp.runs.aggregate import axis_column

DIRECTIONAL = ("beats", "best_activation")  # claims of "A beats B": the ones a test of "no difference" can support
UNTESTED_REASON = "untested in every universe (it needs a sensitivity sweep)"
DRAWS_SEED = 0  # the draws (sign flips, shifts of shared runs) come from this seed: the same on every build


def binding_per_seed(outcomes: list[Outcomes | None]) -> np.ndarray | None:
    """Each seed's difference, in points, of the comparison that binds the claim (the smallest
    estimate, as the verdict table's); None when nothing was compared."""
    found = [o.per_seed() for o in outcomes if o is not None]
    return min(found, key=np.mean) if found else None


def choices_table(
    verdicts: pd.DataFrame, outcomes: dict, claims: list[dict], axes: list[str], scope_axes: list[str], own_scope: dict
) -> pd.DataFrame:
    """Each claim's difference split by choice (``choices.decompose``) at each scope, long form.

    Returns:
        Rows of claim, axis_<scope>..., part ("share": a term's percent of the variance; "option":
        an option's mean difference against the report's own, in points), term (the axis or
        interaction, or "seeds"), option, value and note (why a claim was not decomposed).
    """
    choice_axes = [a for a in axes if a not in scope_axes]
    default = verdicts[verdicts["default"].astype(bool)].iloc[0]
    own = tuple(default[axis_column(a)] for a in choice_axes)
    order = verdicts.sort_values("position")
    options = {a: list(dict.fromkeys(order[axis_column(a)])) for a in choice_axes}
    rows = []
    for claim in claims:
        for scope, universes in scopes(verdicts[verdicts["claim"] == claim["id"]], scope_axes, own_scope):
            per_seed = {
                tuple(u[axis_column(a)] for a in choice_axes): binding_per_seed(outcomes[claim["id"], u["position"]])
                for _, u in universes.iterrows()
            }
            at = {"claim": claim["id"], **{axis_column(a): v for a, v in scope.items()}}
            found = choices.decompose(per_seed, choice_axes, options, own)
            reason = UNTESTED_REASON if (universes["verdict"] == UNTESTED).all() else found.reason
            for term, share in (found.shares or {None: np.nan}).items():
                rows.append({**at, "part": "share", "term": term, "value": share, "note": reason})
            for axis, effects in found.option_effects.items():
                rows.extend({**at, "part": "option", "term": axis, "option": o, "value": v} for o, v in effects)
    columns = ["claim", *(axis_column(a) for a in scope_axes), "part", "term", "option", "value", "note"]
    return pd.DataFrame(rows, columns=columns)


def joint_tables(
    verdicts: pd.DataFrame,
    outcomes: dict,
    claims: list[dict],
    scope_axes: list[str],
    own_scope: dict,
    rules: Rules,
    familywise_alpha: float,
    n_draws: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every "A beats B" claim tested across the universes of each scope (``joint``).

    Returns:
        ``verdicts`` with each universe's own p over the draws (p_flip: a sign-flip p where its runs
        pair off, ``joint``) and max-T adjusted p (p_maxt), empty for other claims; and one row per
        (claim, scope): draws, universes tested, the observed median difference and number of
        universes where the claim holds, each with percentiles of its null distribution and its
        p-value, and how many universes max-T and Holm reject.
    """
    verdicts = verdicts.assign(p_flip=np.nan, p_maxt=np.nan)
    tested = [c for c in claims if c["kind"] in DIRECTIONAL]
    rows = []
    for scope, universes in scopes(verdicts, scope_axes, own_scope):
        grids, index = {}, {}
        for claim in tested:
            mine = universes[universes["claim"] == claim["id"]].sort_values("position")
            grid = joint.Grid.of([outcomes[claim["id"], p] for p in mine["position"]])
            if grid is not None:
                grids[claim["id"]], index[claim["id"]] = grid, mine.index
        for claim_id, draws in joint.draw(grids, n_draws, rules, DRAWS_SEED).items():
            test = joint.joint_test(draws, familywise_alpha)
            verdicts.loc[index[claim_id], "p_flip"] = test.p_flip
            verdicts.loc[index[claim_id], "p_maxt"] = test.p_maxt
            rows.append({"claim": claim_id, **{axis_column(a): v for a, v in scope.items()}, **_joint_row(test)})
    return verdicts, pd.DataFrame(rows, columns=["claim", *(axis_column(a) for a in scope_axes), *JOINT_COLUMNS])


JOINT_COLUMNS = [
    "draws", "n_tested", "median", "median_null_50", "median_null_95", "median_null_99", "p_median",
    "count", "count_null_50", "count_null_95", "count_null_99", "p_count", "n_maxt", "n_holm",
]  # fmt: skip


def _joint_row(test: joint.JointTest) -> dict:
    return {
        "draws": test.draws,
        "n_tested": test.n_tested,
        "median": test.median,
        **{f"median_null_{q}": v for q, v in zip((50, 95, 99), test.median_null)},
        "p_median": test.p_median,
        "count": test.count,
        **{f"count_null_{q}": v for q, v in zip((50, 95, 99), test.count_null)},
        "p_count": test.p_count,
        "n_maxt": test.n_maxt,
        "n_holm": test.n_holm,
    }
