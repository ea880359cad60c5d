# mnist-mlp-study: the study "MNIST classification using MLP" re-run end to end.
# This file is the table of contents; the rules live in workflow/rules/.

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/judge.smk"
include: "workflow/rules/plots.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/export.smk"


# Snakemake leaves its last scheduling timer running at the end, and the process would wait for it.
onsuccess:
    cancel_pending_timers()


onerror:
    cancel_pending_timers()


# The download needs the network, which cluster compute nodes often lack.
localrules:
    all,
    download,


rule all:
    default_target: True
    input:
        get_final_output(),
