"""Every run of a build exported to an MLflow tracking database (``snakemake mlflow``): one MLflow
experiment per build config, one MLflow run per training run (its settings as params, its per-epoch
losses and accuracies as metric histories, its final numbers and cost, its health as a tag, a link
to its folder), and a parent run holding the claims' verdicts (as tags, which can change). Exporting
again updates the database to the build, never duplicating: a run whose content is unchanged is
left alone and keeps its id, the parent is updated in place (so its children keep theirs), a changed
run is replaced and one no longer in the build deleted, each deleted for good (``mlflow gc``), so
that nothing piles up. MLflow is optional (requirements-mlflow.txt)."""

import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mnist_mlp.errors import UserError
from mnist_mlp.present.compare import state
from mnist_mlp.present.html import run_anchor
from mnist_mlp.runs import run_format
from mnist_mlp.runs.key import RunKey

INSTALL = "python -m pip install -r requirements-mlflow.txt"
FOLDER_TAG = "mnist_mlp.folder"  # the run folder: what identifies a run across exports
CONTENT_TAG = "mnist_mlp.content"  # a hash of everything exported: what says whether it changed
PARENT_NAME = "claims"
FINAL_METRICS = ["test_accuracy", "test_loss", "train_accuracy", "train_loss", "job_s", "max_rss_mb", "disk_mb"]


def client(db: Path):
    """An MlflowClient on the SQLite database ``db``, or a one-line error saying how to get MLflow."""
    try:
        from mlflow.tracking import MlflowClient
    except ImportError:
        raise UserError(f"MLflow is not installed; install it with: {INSTALL}") from None
    return MlflowClient(tracking_uri=_uri(db))


def experiment_name(config_files: list[str], study: str | None = None) -> str:
    """One MLflow experiment per build config: named by its config files, in order, after the study
    folder where it is not the one config/config.yaml names."""
    return "mnist-mlp-study: " + " + ".join([study or "config/config.yaml", *config_files])


def memberships(runs: pd.DataFrame, sweeps: pd.DataFrame, universes: pd.DataFrame) -> dict[str, dict]:
    """Each run folder's row (its settings and final numbers) and what it belongs to: the study's
    experiments, the sweeps' settings and the multiverse's universes that include it."""
    tables = [(runs, lambda r: r["experiment"], "experiments")]
    tables += [(sweeps, lambda r: f"{r['sweep']}: {r['setting']}", "sweeps")]
    tables += [(universes, lambda r: r["universe"], "universes")]
    found = {}
    for table, label, kind in tables:
        for row in table.to_dict("records"):
            entry = found.setdefault(row["dir"], {"row": row, "experiments": [], "sweeps": [], "universes": []})
            if label(row) not in entry[kind]:
                entry[kind].append(label(row))
    return found


@dataclass
class RunRecord:
    """What one training run exports: its name, params, tags, metric histories and final metrics."""

    name: str
    params: dict[str, str]
    tags: dict[str, str]
    history: dict[str, list[float]]  # metric -> its value at each epoch (step 1, 2, ...)
    final: dict[str, float]

    def content(self) -> str:
        payload = json.dumps([self.name, self.params, self.tags, self.history, self.final], sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def run_record(folder: str, member: dict, report: Path) -> RunRecord:
    """One run's record, from its row and its epochs.csv."""
    row = member["row"]
    params = {name: str(row[name]) for name in RunKey.names()}
    params |= {kind: "; ".join(member[kind]) for kind in ("experiments", "sweeps", "universes") if member[kind]}
    epochs = run_format.read_epochs(folder)
    history = {c: [float(v) for v in epochs[c]] for c in epochs.columns if c != "epoch"}
    final = {m: float(row[m]) for m in FINAL_METRICS if pd.notna(row[m])}
    where = Path(folder).resolve()
    tags = {
        "health": state(row),
        FOLDER_TAG: folder,
        "mlflow.note.content": f"Run folder: [{where}]({where.as_uri()})  \nIn the report: "
        f"[{report.name}#{run_anchor(folder)}]({report.resolve().as_uri()}#{run_anchor(folder)})",
    }
    return RunRecord(folder, params, tags, history, final)


CLAIM_TAGS = ("claim.", "robustness.")  # the parent's tags that say each claim's verdict and label


def parent_record(claims: dict) -> RunRecord:
    """The parent run: each claim's verdict (and robustness label) and the study's numbers, as tags:
    a verdict that changes is updated in place, where a param could not be."""
    tags = {f"claim.{c['id']}": c["verdict"] for c in claims["claims"]}
    tags |= {f"robustness.{c['id']}": c["robustness"] for c in claims["claims"] if c["robustness"]}
    numbers = claims["numbers"]
    final = {"numbers_reproduced": float(sum(n["reproduced"] is True for n in numbers))} if numbers else {}
    tags |= {"command": claims["command"], "commit": claims["commit"], FOLDER_TAG: PARENT_NAME}
    return RunRecord(PARENT_NAME, {}, tags, {}, final)


def _log(mlflow, experiment_id: str, record: RunRecord, parent_id: str | None) -> str:
    from mlflow.entities import Metric, Param

    tags = {**record.tags, CONTENT_TAG: record.content(), **({"mlflow.parentRunId": parent_id} if parent_id else {})}
    run_id = mlflow.create_run(experiment_id, run_name=record.name, tags=tags).info.run_id
    metrics = [Metric(k, v, 0, step) for k, values in record.history.items() for step, v in enumerate(values, 1)]
    metrics += [Metric(k, v, 0, 0) for k, v in record.final.items() if k not in record.history]
    params = [Param(k, v) for k, v in record.params.items()]
    for start in range(0, max(len(metrics), len(params), 1), 100):  # MLflow takes at most 100 params a batch
        mlflow.log_batch(run_id, metrics=metrics[start : start + 100], params=params[start : start + 100])
    mlflow.set_terminated(run_id, "FINISHED")
    return run_id


def existing_runs(mlflow, experiment_id: str) -> dict[str, object]:
    """The experiment's live runs that an export made, by folder (runs a user added are left alone)."""
    found, token = {}, None
    while True:
        page = mlflow.search_runs([experiment_id], max_results=1000, page_token=token)
        found |= {r.data.tags[FOLDER_TAG]: r for r in page if FOLDER_TAG in r.data.tags}
        token = page.token
        if not token:
            return found


def _sync(mlflow, experiment_id: str, record: RunRecord, old, parent_id: str | None, counts: dict) -> str:
    """Leave ``old`` alone if it holds ``record`` under ``parent_id``; else replace it (or create it)."""
    tags = old.data.tags if old is not None else {}
    if old is not None and tags.get(CONTENT_TAG) == record.content() and tags.get("mlflow.parentRunId") == parent_id:
        counts["unchanged"] += 1
        return old.info.run_id
    if old is not None:
        mlflow.delete_run(old.info.run_id)
        counts["purge"].append(old.info.run_id)
    counts["replaced" if old is not None else "created"] += 1
    return _log(mlflow, experiment_id, record, parent_id)


def _sync_parent(mlflow, experiment_id: str, record: RunRecord, old, counts: dict) -> str:
    """The parent run, updated in place where it changed, so that its id, and its children's
    parent, stay; created where there is none, or replaced where an export from before the claims
    were tags holds them as params, which cannot change."""
    if old is None or any(key.startswith(CLAIM_TAGS) for key in old.data.params):
        return _sync(mlflow, experiment_id, record, old, None, counts)
    if old.data.tags.get(CONTENT_TAG) == record.content():
        counts["unchanged"] += 1
        return old.info.run_id
    from mlflow.entities import Metric, RunTag

    run_id = old.info.run_id
    for key in old.data.tags:
        if key.startswith(CLAIM_TAGS) and key not in record.tags:  # a claim the study no longer makes
            mlflow.delete_tag(run_id, key)
    tags = [RunTag(k, v) for k, v in {**record.tags, CONTENT_TAG: record.content()}.items()]
    metrics = [Metric(k, v, 0, 0) for k, v in record.final.items()]  # the newest value of a metric is its value
    mlflow.log_batch(run_id, metrics=metrics, tags=tags)
    counts["updated"] += 1
    return run_id


def purge(db: Path, run_ids: list[str]) -> None:
    """Delete ``run_ids`` (deleted already) for good, with MLflow's own ``mlflow gc``: a deleted run
    otherwise stays in the database, and every export that replaces runs would add to them."""
    if not run_ids:
        return
    uri = _uri(db)
    command = [sys.executable, "-m", "mlflow", "gc", "--backend-store-uri", uri, "--tracking-uri", uri]
    command += ["--run-ids", ",".join(run_ids)]
    ended = subprocess.run(command, capture_output=True, text=True)
    if ended.returncode != 0:
        last = (ended.stderr.strip().splitlines() or ["no message"])[-1]
        raise UserError(f"{db}: mlflow gc could not delete {len(run_ids)} replaced runs for good ({last})")


def _uri(db: Path) -> str:
    return f"sqlite:///{Path(db).resolve()}"


def export(db: Path, name: str, records: list[RunRecord], parent: RunRecord) -> dict:
    """Bring experiment ``name`` in ``db`` to exactly ``records`` under ``parent``; say what changed."""
    mlflow = client(db)
    experiment = mlflow.get_experiment_by_name(name)
    experiment_id = experiment.experiment_id if experiment else mlflow.create_experiment(name)
    old = existing_runs(mlflow, experiment_id)
    counts = {"created": 0, "replaced": 0, "updated": 0, "unchanged": 0, "deleted": 0, "purge": []}
    parent_id = _sync_parent(mlflow, experiment_id, parent, old.pop(PARENT_NAME, None), counts)
    for record in records:
        _sync(mlflow, experiment_id, record, old.pop(record.name, None), parent_id, counts)
    for stale in old.values():  # no longer in the build
        mlflow.delete_run(stale.info.run_id)
        counts["purge"].append(stale.info.run_id)
        counts["deleted"] += 1
    purge(db, counts.pop("purge"))
    return {"database": str(db), "experiment": name, "experiment_id": experiment_id, "runs": len(records), **counts}
