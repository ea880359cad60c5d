"""The same study on Fashion-MNIST, through the same DAG: its runs live beside MNIST's, its report
says what it is, and switching datasets retrains nothing already built."""

import re
import shutil

import numpy as np
import pytest

from conftest import SMOKE_TRAIN, planned_rules, planned_train_jobs, smoke_overlay, snakemake
from mnist_mlp.data.arrays import prepared_paths


@pytest.fixture(scope="module")
def fashion_run(smoke_run, mnist_raw, fashion_raw, tmp_path_factory):
    """A copy of the MNIST smoke run, then the same smoke study on Fashion-MNIST in it."""
    work = tmp_path_factory.mktemp("fashion") / "run"
    shutil.copytree(smoke_run, work)
    overlay = smoke_overlay(mnist_raw)
    overlay["data"] = {"dataset": "fashion_mnist", "source": "path", "path": str(fashion_raw)}
    snakemake(work, "--cores", "2", overlay=overlay)
    return work, overlay, smoke_overlay(mnist_raw)


def test_the_fashion_runs_live_beside_mnists_in_their_own_folders(fashion_run, smoke_run):
    work = fashion_run[0]
    fashion = sorted(
        p.relative_to(work / "results" / "runs" / f"fashion_mnist_n{SMOKE_TRAIN}")
        for p in (work / "results" / "runs" / f"fashion_mnist_n{SMOKE_TRAIN}").rglob("metrics.json")
    )
    mnist = sorted(
        p.relative_to(smoke_run / "results" / "runs" / f"mnist_n{SMOKE_TRAIN}")
        for p in (smoke_run / "results" / "runs" / f"mnist_n{SMOKE_TRAIN}").rglob("metrics.json")
    )
    assert fashion == mnist and len(fashion) == 17  # the same runs, one folder per dataset
    assert (work / "results" / "runs" / f"mnist_n{SMOKE_TRAIN}").is_dir()  # MNIST's are still there
    with np.load(work / prepared_paths("fashion_mnist", SMOKE_TRAIN)["data"]) as f:
        assert str(f["dataset"]) == "fashion_mnist"
        assert np.bincount(f["y_test"]).tolist() == [1000] * 10


def test_the_report_says_it_is_fashion_mnist_and_reproduces_no_number(fashion_run):
    html = (fashion_run[0] / "report.html").read_text()
    assert "run on Fashion-MNIST</h1>" in html and "Reproduction of" not in html
    assert "its 15 test accuracies are MNIST's" in html
    assert "Reported (%)" not in html and "test accuracy on Fashion-MNIST" in html
    assert "Test accuracy on Fashion-MNIST, per experiment and activation" in html  # the bars, ours alone
    assert "On the study's own numbers (MNIST)" in html
    assert "10.00% for always answering the commonest class" in html  # a balanced test set
    assert "for always answering T-shirt/top (0) (10% for a uniform guess)" in html  # the class by its name
    assert re.search(r'alt="[^"]*Correct answers per class: T-shirt/top: \d+, Trouser: \d+', html)  # named classes
    anchors = html[html.index('<h3 id="anchors">') :].split("</table>")[0]
    assert "MLP 256-128-100" in anchors and "88.33" in anchors and "README.md.gz, line 180" in anchors
    assert "This run's best is" in anchors
    since = " ".join(html[html.index('<h2 id="since">') : html.index("<h2", html.index('<h2 id="since">') + 1)].split())
    assert "the last report's runs were on MNIST, these are on Fashion-MNIST" in since
    claims = re.findall(r'<tr id="claim-[^"]+">.*?<span class="verdict (\w+)">', html, re.S)
    assert len(claims) >= 5  # every claim judged on these runs


def test_switching_datasets_back_and_forth_retrains_nothing(fashion_run):
    work, fashion, mnist = fashion_run
    for overlay in (mnist, fashion):
        plan = snakemake(work, "-n", overlay=overlay).stdout
        assert planned_train_jobs(plan) == [] and not planned_rules(plan) & {"download", "preprocess", "train"}


def test_with_both_datasets_built_the_report_sets_each_claim_on_mnist_beside_fashion_mnist(fashion_run, tmp_path):
    """The dataset as a multiverse scope axis, on the runs both datasets already have: nothing trains,
    and each claim gets its verdict and label on each dataset, side by side."""
    work = tmp_path / "both"
    shutil.copytree(fashion_run[0], work)
    datasets = {
        "options": ["mnist", "fashion_mnist"],
        "experiments": ["baseline", "lr_0.001", "lr_0.1", "torch", "torch_l2"],
    }
    overlay = {**fashion_run[2], "multiverse": {"axes": {"dataset": datasets}}}
    assert planned_train_jobs(snakemake(work, "-n", overlay=overlay).stdout) == []
    snakemake(work, "--cores", "2", overlay=overlay)
    html = (work / "report.html").read_text()
    table = html[html.index('<h3 id="datasets">') :].split("</table>")[0]
    assert "The study's claims on MNIST and Fashion-MNIST" in table
    rows = re.findall(r"<tr><td class=\"l quote\">(.*?)</tr>", table, re.S)
    claims = re.findall(r'<tr id="robust-([^"]+)">', html)
    assert len(rows) == len(claims) >= 5
    for row in rows:  # a verdict and a label in each dataset's cell, in that order
        cells = re.findall(r'data-label="([^"]+)">.*?<span class="robustness [\w-]+">', row, re.S)
        assert cells == ["MNIST", "Fashion-MNIST"]
    summary = re.sub(r"<[^>]+>", "", html[html.index('<h2 id="summary">') : html.index('<h2 id="since">')])
    assert "distinct training runs on MNIST and Fashion-MNIST:" in " ".join(summary.split())  # both, named


def test_a_switch_of_dataset_is_named_in_the_diff_and_nothing_else_is():
    from mnist_mlp.present.since import dataset_switch

    assert dataset_switch([{"key": "data.dataset", "old": "mnist", "new": "fashion_mnist"}]) == {
        "old": "MNIST",
        "new": "Fashion-MNIST",
    }
    assert dataset_switch([{"key": "data.path", "old": "a", "new": "b"}]) is None
