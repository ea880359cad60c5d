"""`snakemake mlflow` on the smoke build, read back through MLflow's own client: every run with its
settings, metric histories and health, the claims on a parent run, and a second export that changes
nothing."""

import json
import os
import re

import pandas as pd
import pytest

from conftest import smoke_overlay, snakemake
from mnist_mlp.present.compare import state
from mnist_mlp.present.tracker import FOLDER_TAG, INSTALL, PARENT_NAME, export, memberships, parent_record, run_record
from mnist_mlp.runs import run_format
from mnist_mlp.runs.key import RunKey

mlflow = pytest.importorskip("mlflow", reason="MLflow is optional: pip install -r requirements-mlflow.txt")
ViewType = mlflow.entities.ViewType


def export_build(workdir, mnist_raw, **kwargs):
    return snakemake(workdir, "--cores", "1", "mlflow", overlay=smoke_overlay(mnist_raw), **kwargs)


def read_back(workdir) -> tuple[dict, list]:
    """The build's MLflow runs (parent apart) by folder, and the parent."""
    client = mlflow.tracking.MlflowClient(tracking_uri=f"sqlite:///{workdir / 'results' / 'mlflow.db'}")
    (experiment,) = [e for e in client.search_experiments() if e.name.startswith("mnist-mlp-study: ")]
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    by_folder = {r.data.tags[FOLDER_TAG]: r for r in runs}
    return client, by_folder.pop(PARENT_NAME), by_folder


@pytest.fixture(scope="module")
def exported(smoke_run, mnist_raw):
    first = export_build(smoke_run, mnist_raw)
    return first.stdout, read_back(smoke_run)


def test_every_run_reads_back_with_its_settings_histories_and_health(exported, smoke_run, monkeypatch):
    _, (client, parent, runs) = exported
    monkeypatch.chdir(smoke_run)
    table = pd.concat(
        [pd.read_csv(smoke_run / "results" / f) for f in ("runs.csv", "sensitivity.csv", "multiverse.csv")]
    ).drop_duplicates("dir")
    assert sorted(runs) == sorted(table["dir"])
    for row in table.to_dict("records"):
        run = runs[row["dir"]]
        assert {k: run.data.params[k] for k in RunKey.names()} == {k: str(row[k]) for k in RunKey.names()}
        assert run.data.tags["health"] == state(row)
        assert run.data.tags["mlflow.parentRunId"] == parent.info.run_id
        epochs = run_format.read_epochs(row["dir"])
        for metric in ("train_loss", "train_accuracy", "test_loss", "test_accuracy"):
            history = sorted((m.step, m.value) for m in client.get_metric_history(run.info.run_id, metric))
            assert history == [(int(e), pytest.approx(v)) for e, v in zip(epochs["epoch"], epochs[metric])]
        assert run.data.metrics["job_s"] == pytest.approx(row["job_s"])
    assert "diverged" in {r.data.tags["health"] for r in runs.values()}  # the smoke build's diverging run


def test_the_parent_run_holds_each_claims_verdict(exported, smoke_run):
    _, (_, parent, _) = exported
    claims = json.loads((smoke_run / "results" / "claims.json").read_text())
    assert {k.removeprefix("claim."): v for k, v in parent.data.tags.items() if k.startswith("claim.")} == {
        c["id"]: c["verdict"] for c in claims["claims"]
    }


def test_exporting_again_changes_nothing(exported, smoke_run, mnist_raw):
    stdout, (client, parent, runs) = exported
    assert re.search(rf"MLflow: {len(runs)} runs in experiment .*\({len(runs) + 1} created, 0 replaced", stdout)
    again = export_build(smoke_run, mnist_raw)
    assert f"0 created, 0 replaced, 0 updated, {len(runs) + 1} unchanged, 0 deleted" in again.stdout
    _, parent_again, runs_again = read_back(smoke_run)
    assert parent_again.info.run_id == parent.info.run_id
    assert {f: r.info.run_id for f, r in runs_again.items()} == {f: r.info.run_id for f, r in runs.items()}
    folder, run = next(iter(runs.items()))  # each metric still once per epoch
    epochs = run_format.read_epochs(smoke_run / folder)
    assert len(client.get_metric_history(run.info.run_id, "test_accuracy")) == len(epochs)


def test_without_mlflow_the_target_says_in_one_line_how_to_install_it(smoke_run, mnist_raw, tmp_path):
    shadow = tmp_path / "mlflow"  # a package named mlflow that cannot be imported: MLflow absent
    shadow.mkdir()
    (shadow / "__init__.py").write_text("raise ImportError('no MLflow here')\n")
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    result = export_build(smoke_run, mnist_raw, check=False, env={"PYTHONPATH": path})
    assert result.returncode != 0
    assert f"MLflow is not installed; install it with: {INSTALL}" in result.stdout
    assert "Traceback" not in result.stdout


def test_runs_that_did_not_change_keep_their_ids_and_nothing_deleted_piles_up(exported, smoke_run, monkeypatch):
    _, (client, parent, runs) = exported
    monkeypatch.chdir(smoke_run)
    tables = [pd.read_csv(smoke_run / "results" / f) for f in ("runs.csv", "sensitivity.csv", "multiverse.csv")]
    report = smoke_run / "report.html"
    records = [run_record(folder, member, report) for folder, member in memberships(*tables).items()]
    claims = json.loads((smoke_run / "results" / "claims.json").read_text())
    (experiment,) = [e for e in client.search_experiments() if e.name.startswith("mnist-mlp-study: ")]
    db, dropped = smoke_run / "results" / "mlflow.db", records[0].name
    for k in range(5):  # one run dropped and a verdict changed, then both back, and so on
        changed = {**claims, "claims": [{**claims["claims"][0], "verdict": f"changed {k}"}, *claims["claims"][1:]]}
        kept = records[1:] if k % 2 == 0 else records
        counts = export(db, experiment.name, kept, parent_record(changed if k % 2 == 0 else claims))
        assert counts["updated"] == 1 and counts["replaced"] == 0
        _, parent_now, runs_now = read_back(smoke_run)
        assert parent_now.info.run_id == parent.info.run_id  # updated in place
        same = {f: r.info.run_id for f, r in runs_now.items() if f != dropped}
        assert same == {f: r.info.run_id for f, r in runs.items() if f != dropped}  # every other run keeps its id
        assert (dropped in runs_now) == (k % 2 == 1)
    everything = client.search_runs([experiment.experiment_id], run_view_type=ViewType.ALL, max_results=1000)
    assert len(everything) == len(runs_now) + 1  # the live runs and the parent: no deleted run kept
    assert dropped not in runs_now  # dropped in the fifth export, and deleted for good
