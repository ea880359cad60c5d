rule report_html:
    input:
        runs="results/runs.csv",
        sensitivity="results/sensitivity.csv",
        # the claims compare runs image by image, and the backends batch by batch
        predictions=run_paths("predictions"),
        batches=run_paths("batches"),
        study=config["study_reported"],
        data_summary="results/data/mnist_summary.json",
        figures=figure_files(
            CURVE_FIGURES
            + CONFUSION_FIGURES
            + list(EXTRA_FIGURES)
            + SENSITIVITY_FIGURES,
            "png",
        ),
        data_benchmarks=[
            "benchmarks/download_mnist.tsv",
            "benchmarks/preprocess_mnist.tsv",
        ],
        template=workflow.source_path("../../report/report.html.j2"),
    output:
        "report.html",
    log:
        "logs/report_html.log",
    conda:
        "../../envs/mnist-mlp.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        config=config,
        titles=experiment_titles(),
        commit=git_commit(workflow.basedir),
        # read and appended outside inputs and outputs: the history never makes a job rerun
        history="results/history",
    script:
        "../scripts/report_html.py"
