rule aggregate:
    input:
        # every file of every run: aggregation checks their format
        **{kind: run_paths(kind) for kind in RUN_FILES},
        benchmarks=[run.path("benchmark") for run in all_runs()],
    output:
        runs=report(
            PRODUCTS.results("runs.csv"),
            caption="../../report/runs_table.rst",
            category="Runs",
        ),
        curves=PRODUCTS.results("curves.csv"),
        confusion=PRODUCTS.results("confusion.csv"),
        sensitivity=report(
            PRODUCTS.results("sensitivity.csv"),
            caption="../../report/sensitivity_table.rst",
            category="Runs",
        ),
        multiverse=PRODUCTS.results("multiverse.csv"),
        # each table's digest: readers refuse a table cut or edited since (runs/tables.py)
        digests=PRODUCTS.results("tables.sha256"),
    log:
        PRODUCTS.log("aggregate"),
    benchmark:
        PRODUCTS.benchmark("aggregate")
    conda:
        "../../envs/mnist-mlp.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        records=experiment_run_records(),
        sweep_records=sweep_run_records(),
        universe_records=multiverse_run_records(),
        axes=MULTIVERSE_AXES,
    script:
        "../scripts/aggregate.py"
