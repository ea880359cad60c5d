from mnist_mlp.data.arrays import chance_of_test_set
from mnist_mlp.data.datasets import DATASET_INFO
from mnist_mlp.judge.study import figure_specs, load_study, reported_curves, reported_numbers
from mnist_mlp.present.figures import by_place, plot_confusion_figure, plot_curve_figure, save
from mnist_mlp.runs.aggregate import experiment_tables
from mnist_mlp.runs.jobs import job


def main(snakemake):
    with job(snakemake.log[0], snakemake.output):
        p, out = snakemake.params, snakemake.output
        study = load_study(snakemake.input.study)
        specs = figure_specs(study)
        tables = experiment_tables(p.records)
        dataset = DATASET_INFO[p.dataset]
        curves = dict(
            smooth=p.smooth,
            reported=by_place(reported_numbers(study, p.dataset)),
            chance_pct=chance_of_test_set(snakemake.input.data_summary),
            dataset=dataset,
        )
        printed = {(c.experiment, c.activation): c for c in reported_curves(study, p.dataset)}
        # the outputs list the curve figures first, then the confusion matrices
        for fig_id, png, svg, csv in zip(p.curve_ids + p.confusion_ids, out.png, out.svg, out.csv):
            spec = specs[fig_id]
            if fig_id in p.curve_ids:
                curve = printed.get((spec["experiment"], spec.get("activation")))
                plotted = plot_curve_figure(spec, tables["runs"], tables["curves"], **curves, curve=curve)
            else:
                plotted = plot_confusion_figure(spec, tables["runs"], tables["confusion"], dataset)
            save(plotted, png, svg, csv, p.dpi)


if "snakemake" in globals():
    main(snakemake)
