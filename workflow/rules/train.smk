rule train:
    input:
        data="results/data/mnist.npz",
    output:
        batches=f"{RUN_DIR}/batches.csv",
        epochs=f"{RUN_DIR}/epochs.csv",
        metrics=f"{RUN_DIR}/metrics.json",
        weights=f"{RUN_DIR}/weights.npz",
    log:
        "logs/train/{backend}/{activation}/lr{lr}_wd{wd}/seed{seed}.log",
    benchmark:
        BENCHMARK
    conda:
        "../../envs/mnist-mlp.yaml"
    threads: config["train"]["threads"]
    resources:
        mem_mb=lambda w: 2500 if w.backend == "torch" else 1000,
        runtime=lambda w: max(10, config["train"]["epochs"] * 2),
        gpu=lambda w: int(w.backend == "torch" and config["train"]["device"] == "cuda"),
    params:
        lr=lambda w: float(w.lr),
        weight_decay=lambda w: float(w.wd),
        seed=lambda w: int(w.seed),
        hidden=config["model"]["hidden"],
        init=config["model"]["init"],
        epochs=config["train"]["epochs"],
        batch_size=config["train"]["batch_size"],
        dtype=config["train"]["dtype"],
        # Only torch runs depend on the device; numpy runs must not rerun when it changes.
        device=lambda w: config["train"]["device"] if w.backend == "torch" else "cpu",
    script:
        "../scripts/train.py"
