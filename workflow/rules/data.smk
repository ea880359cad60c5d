rule download:
    output:
        expand("resources/{{dataset}}/{name}", name=RAW_FILES),
    log:
        "logs/download/{dataset}.log",
    benchmark:
        "benchmarks/download/{dataset}.tsv"
    conda:
        "../../envs/mnist-mlp.yaml"
    resources:
        mem_mb=500,
        runtime=10,
    params:
        # data.source and data.path name where the config's own dataset comes from; any other
        # dataset (a multiverse's) is fetched from its own sources
        source=lambda w: data_setting(w.dataset, "source", "auto"),
        path=lambda w: data_setting(w.dataset, "path", None),
        timeout_s=config["data"]["timeout_s"],
    script:
        "../scripts/download.py"


rule preprocess:
    input:
        # Checksum-verified and always the same bytes: a fresh download (after a change of
        # data.source, say) must not rerun the study.
        ancient(expand("resources/{{dataset}}/{name}", name=RAW_FILES)),
    output:
        data="results/data/{dataset}_n{n_train}.npz",
        summary="results/data/{dataset}_n{n_train}_summary.json",
    log:
        "logs/preprocess/{dataset}_n{n_train}.log",
    benchmark:
        "benchmarks/preprocess/{dataset}_n{n_train}.tsv"
    conda:
        "../../envs/mnist-mlp.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        n_train=lambda w: int(w.n_train),
        subset_seed=config["data"]["subset_seed"],
    script:
        "../scripts/preprocess_mnist.py"
