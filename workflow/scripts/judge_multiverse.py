import pandas as pd

from mnist_mlp.judge.across import choices_table, joint_tables
from mnist_mlp.judge.allowed import fit_table
from mnist_mlp.judge.claims import Rules
from mnist_mlp.judge.multiverse import judge_universes, own_scope_rows
from mnist_mlp.judge.study import load_study, reported_accuracy
from mnist_mlp.runs.jobs import job


def main(snakemake):
    with job(snakemake.log[0], snakemake.output) as log:
        study = load_study(snakemake.input.study)
        table = pd.read_csv(snakemake.input.multiverse)
        axes, scope, own = snakemake.params.axes, snakemake.params.scope, snakemake.params.own_scope
        rules, robustness = Rules.from_study(study), study["robustness"]
        verdicts, outcomes = judge_universes(table, study["claims"], rules, axes)
        log.info("judged %d claims in %d universes", len(study["claims"]), table["position"].nunique())
        verdicts, joint = joint_tables(
            verdicts,
            outcomes,
            study["claims"],
            scope,
            own,
            rules,
            robustness["familywise_alpha"],
            snakemake.params.draws,
        )
        verdicts.to_csv(snakemake.output.verdicts, index=False)
        joint.to_csv(snakemake.output.joint, index=False)
        log.info("tested %d claims across the universes with %d draws", len(joint), snakemake.params.draws)
        choices_table(verdicts, outcomes, study["claims"], axes, scope, own).to_csv(
            snakemake.output.choices, index=False
        )
        fit = fit_table(
            own_scope_rows(table, scope, own),
            axes,
            reported_accuracy(study, own["dataset"]),
            study["verdicts"]["close_pp"],
            study["verdicts"]["alpha"],
            robustness["allowed_misses"],
        )
        fit.to_csv(snakemake.output.fit, index=False)
        log.info("the study's numbers allow %d of %d universes", fit["allowed"].sum(), len(fit))


if "snakemake" in globals():
    main(snakemake)
