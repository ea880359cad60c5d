rule aggregate:
    input:
        metrics=run_files("metrics.json"),
        epochs=run_files("epochs.csv"),
        batches=run_files("batches.csv"),
        benchmarks=[BENCHMARK.format(**run) for run in all_runs()],
    output:
        runs="results/runs.csv",
        curves="results/curves.csv",
        confusion="results/confusion.csv",
    log:
        "logs/aggregate.log",
    conda:
        "../../envs/mnist-mlp.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        records=experiment_run_records(),
    script:
        "../scripts/aggregate.py"
