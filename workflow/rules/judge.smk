if MULTIVERSE_AXES:

    rule judge_multiverse:
        input:
            multiverse="results/multiverse.csv",
            # every claim is judged image by image in every universe
            predictions=run_paths("predictions"),
            study=config["study_reported"],
        output:
            verdicts="results/multiverse_verdicts.csv",
            # how well the study's numbers fit each universe, and which they allow
            fit="results/multiverse_fit.csv",
            # how much each choice moves each claim's difference, and one test across all universes
            choices="results/multiverse_choices.csv",
            joint="results/multiverse_joint.csv",
        log:
            "logs/judge_multiverse.log",
        benchmark:
            "benchmarks/judge_multiverse.tsv"
        conda:
            "../../envs/mnist-mlp.yaml"
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            axes=MULTIVERSE_AXES,
            scope=MULTIVERSE_SCOPE,
            own_scope=OWN_SCOPE,
            draws=config["multiverse"]["draws"],
        script:
            "../scripts/judge_multiverse.py"
