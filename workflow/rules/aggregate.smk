rule aggregate:
    input:
        metrics=run_paths(f"{RUN_DIR}/metrics.json"),
        epochs=run_paths(f"{RUN_DIR}/epochs.csv"),
        batches=run_paths(f"{RUN_DIR}/batches.csv"),
        weights=run_paths(f"{RUN_DIR}/weights.npz"),  # format-checked with the rest
        benchmarks=run_paths(BENCHMARK),
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
