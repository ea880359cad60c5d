rule train:
    input:
        data=prepared_files(DATA_STEM_PATTERN)["data"],
    output:
        **{kind: f"{RunKey.pattern('dir')}/{name}" for kind, name in RUN_FILES.items()},
    log:
        RunKey.pattern("log"),
    benchmark:
        RunKey.pattern("benchmark")
    priority: training_priority
    conda:
        "../../envs/mnist-mlp.yaml"
    threads: config["train"]["threads"]
    resources:
        mem_mb=lambda w: 2500 if w.backend == "torch" else 1000,
        runtime=lambda w: max(10, epochs_of(w) * 2),
        gpu=lambda w: int(w.backend == "torch" and config["train"]["device"] == "cuda"),
    params:
        # the run's own (an experiment's, named in its folder), else the config's
        epochs=lambda w: epochs_of(w),
        batch_size=lambda w: RunKey.from_wildcards(w).batch_size
        or config["train"]["batch_size"],
        dtype=config["train"]["dtype"],
        # Only torch runs depend on the device; numpy runs must not rerun when it changes.
        device=lambda w: config["train"]["device"] if w.backend == "torch" else "cpu",
    script:
        "../scripts/train.py"
