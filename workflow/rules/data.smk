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
    # No params: where the files come from (data.source, data.path, read from the config by the
    # script) is not what they are. They are checksum-verified, so a change of source must neither
    # fetch again what is here nor fail offline for a source that is not reachable.
    script:
        "../scripts/download.py"


rule preprocess:
    input:
        # Checksum-verified and always the same bytes: a fresh download (after resources/ was
        # cleared, say) must not rerun the study.
        ancient(expand("resources/{{dataset}}/{name}", name=RAW_FILES)),
    output:
        **prepared_paths("{dataset}", "{n_train}"),
    log:
        f"logs/preprocess/{data_stem('{dataset}', '{n_train}')}.log",
    benchmark:
        f"benchmarks/preprocess/{data_stem('{dataset}', '{n_train}')}.tsv"
    conda:
        "../../envs/mnist-mlp.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        n_train=lambda w: int(w.n_train),
        subset_seed=config["data"]["subset_seed"],
    script:
        "../scripts/preprocess.py"
