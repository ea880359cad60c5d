# snakemake mlflow: every run of the build into results/mlflow.db (MLflow, optional). The database
# is not an output: Snakemake would delete it first, and it holds one experiment per build config.
# A rule without outputs runs whenever it is asked for; the export updates what changed, so
# running it again duplicates nothing.


rule mlflow:
    input:
        runs="results/runs.csv",
        sweeps="results/sensitivity.csv",
        universes="results/multiverse.csv",
        claims="results/claims.json",
        report="report.html",
        # each run's per-epoch losses and accuracies, its metric histories
        epochs=run_paths("epochs"),
    log:
        "logs/mlflow.log",
    conda:
        "../../envs/mlflow.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        db="results/mlflow.db",
        # the config files read on top of config/config.yaml: one MLflow experiment per build config
        overlays=overlay_files(),
    script:
        "../scripts/export_mlflow.py"
