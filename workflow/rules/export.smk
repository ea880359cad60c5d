# snakemake mlflow: every run of the build into results/mlflow.db (MLflow, optional). The database
# is not an output: Snakemake would delete it first, and it holds one experiment per build config.
# A rule without outputs runs whenever it is asked for; the export updates what changed, so
# running it again duplicates nothing.


rule mlflow:
    input:
        runs=PRODUCTS.results("runs.csv"),
        sweeps=PRODUCTS.results("sensitivity.csv"),
        universes=PRODUCTS.results("multiverse.csv"),
        claims=PRODUCTS.results("claims.json"),
        report=PRODUCTS.report,
        # each run's per-epoch losses and accuracies, its metric histories
        epochs=run_paths("epochs"),
    log:
        PRODUCTS.log("mlflow"),
    conda:
        "../../envs/mlflow.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        db=PRODUCTS.results("mlflow.db"),
        # the config files read on top of the study's: one MLflow experiment per build config
        overlays=overlay_files(),
        study=STUDY_FOLDER if PRODUCTS.own else None,
    script:
        "../scripts/export_mlflow.py"
