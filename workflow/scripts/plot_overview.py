from mnist_mlp.judge.study import comparison_rows, load_study, reported_numbers
from mnist_mlp.data.arrays import chance_of_test_set
from mnist_mlp.data.datasets import DATASET_INFO
from mnist_mlp.present.figures import by_place, plot_reported_vs_reproduced, plot_test_accuracy_grid, save
from mnist_mlp.runs.aggregate import experiment_tables
from mnist_mlp.runs.jobs import job


def main(snakemake):
    with job(snakemake.log[0], snakemake.output):
        titles = snakemake.params.titles
        study = load_study(snakemake.input.study)
        tables = experiment_tables(snakemake.params.records, batch_loss=False)  # it draws per-epoch curves
        runs, curves = tables["runs"], tables["curves"]
        numbers = reported_numbers(study, snakemake.params.dataset)
        rows = comparison_rows(runs, numbers, study["verdicts"]["close_pp"], titles)
        out, dpi = snakemake.output, snakemake.params.dpi
        accuracy_axes = dict(
            chance_pct=chance_of_test_set(snakemake.input.data_summary),
            dataset=DATASET_INFO[snakemake.params.dataset],
        )
        save(
            plot_test_accuracy_grid(runs, curves, titles, by_place(numbers), **accuracy_axes),
            out.grid,
            out.grid_svg,
            out.grid_csv,
            dpi,
        )
        save(plot_reported_vs_reproduced(rows, titles, **accuracy_axes), out.bars, out.bars_svg, out.bars_csv, dpi)


if "snakemake" in globals():
    main(snakemake)
