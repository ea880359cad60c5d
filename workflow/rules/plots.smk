CURVE_FIGURES = figure_ids(exclude=["confusion"])
CONFUSION_FIGURES = figure_ids(kinds=["confusion"])
EXTRA_FIGURES = ["test_accuracy_grid", "reported_vs_reproduced"]


rule plot_curves:
    input:
        runs="results/runs.csv",
        curves="results/curves.csv",
        study=config["study_reported"],
    output:
        png=[
            report(
                path,
                caption="../../report/study_figure.rst",
                category="Study figures",
            )
            for path in figure_files(CURVE_FIGURES, "png")
        ],
        svg=figure_files(CURVE_FIGURES, "svg"),
    log:
        "logs/plot_curves.log",
    conda:
        "../../envs/mnist-mlp.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        ids=CURVE_FIGURES,
        dpi=config["plots"]["dpi"],
        smooth=config["plots"]["smooth_batches"],
    script:
        "../scripts/plot_curves.py"


rule plot_confusion:
    input:
        runs="results/runs.csv",
        confusion="results/confusion.csv",
        study=config["study_reported"],
    output:
        png=[
            report(
                path,
                caption="../../report/confusion_figure.rst",
                category="Study figures",
            )
            for path in figure_files(CONFUSION_FIGURES, "png")
        ],
        svg=figure_files(CONFUSION_FIGURES, "svg"),
    log:
        "logs/plot_confusion.log",
    conda:
        "../../envs/mnist-mlp.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        ids=CONFUSION_FIGURES,
        dpi=config["plots"]["dpi"],
    script:
        "../scripts/plot_confusion.py"


rule plot_overview:
    input:
        runs="results/runs.csv",
        curves="results/curves.csv",
        study=config["study_reported"],
    output:
        grid=report(
            "results/figures/test_accuracy_grid.png",
            caption="../../report/test_accuracy_grid.rst",
            category="Beyond the study",
        ),
        grid_svg="results/figures/test_accuracy_grid.svg",
        bars=report(
            "results/figures/reported_vs_reproduced.png",
            caption="../../report/reported_vs_reproduced.rst",
            category="Beyond the study",
        ),
        bars_svg="results/figures/reported_vs_reproduced.svg",
    log:
        "logs/plot_overview.log",
    conda:
        "../../envs/mnist-mlp.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        titles=experiment_titles(),
        dpi=config["plots"]["dpi"],
    script:
        "../scripts/plot_overview.py"
