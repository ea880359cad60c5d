"""Where a build's files lie. Every study shares the downloads, the preprocessed data and the runs
(a run two studies share is one folder, trained once); each study has its own tables, figures,
report, claims manifest and history. The study that config/config.yaml names keeps today's places
(report.html, results/runs.csv, ...); any other study's lie under results/<study id>/."""

import os
from dataclasses import dataclass
from pathlib import Path

STUDIES_ROOT = "studies"  # the repository's studies, one folder each
STUDY_FILES = {"config": "config.yaml", "study": "study.yaml"}  # a study folder's runs, and what it reports
# What the names under results/ hold, besides each other study's folder: no study may take one.
RESERVED_IDS = {
    "data": "the preprocessed data every study shares",
    "runs": "the runs every study shares",
    "figures": "the default study's figures",
    "history": "the default study's build records",
}


def study_files(folder) -> dict[str, str]:
    """A study folder's two files, by kind (``STUDY_FILES``)."""
    return {kind: os.path.join(str(folder), name) for kind, name in STUDY_FILES.items()}


def find_study(value: str, workdir, project) -> tuple[str | None, str | None]:
    """The study folder ``value`` names, as the rules spell it, or why there is none.

    A relative ``value`` is looked for in the working directory, then in the project (so that a run
    with ``--directory`` elsewhere still finds the repository's studies). The folder is spelled
    relative to the working directory when it lies inside it, else absolute.

    Returns:
        (folder, None), or (None, the problem in words).
    """
    candidates = [Path(value)] if os.path.isabs(value) else [Path(workdir) / value, Path(project) / value]
    for folder in candidates:
        if folder.is_dir():
            missing = [name for name in STUDY_FILES.values() if not (folder / name).is_file()]
            if missing:
                return None, f"{folder} holds no {' and no '.join(missing)}; a study folder holds both"
            return _spelled(folder, workdir), None
        if folder.exists():
            return None, f"{folder} is a file; a study is a folder holding {' and '.join(STUDY_FILES.values())}"
    known = sorted(p.name for p in (Path(project) / STUDIES_ROOT).glob("*") if p.is_dir())
    return None, (
        f"no study folder {value} (looked in {', '.join(str(c.parent) for c in candidates)}); "
        f"the repository's studies are {', '.join(f'{STUDIES_ROOT}/{k}' for k in known)}"
    )


def _spelled(folder: Path, workdir) -> str:
    inside = os.path.relpath(folder.resolve(), Path(workdir).resolve())
    return str(folder.resolve()) if inside.startswith("..") else inside


def study_id(folder) -> str:
    """A study's id: its folder's name (studies/nielsen2015 -> nielsen2015)."""
    return Path(folder).resolve().name


@dataclass(frozen=True)
class Products:
    """Where one study's own files lie: at the top for the default study (``own`` None), under
    results/<own>/ (its report too) and logs/<own>/, benchmarks/<own>/ for any other."""

    own: str | None = None

    @property
    def results_dir(self) -> str:
        return os.path.join("results", self.own) if self.own else "results"

    def results(self, name: str) -> str:
        """A table, figure folder or record of the study: results("runs.csv") -> results/runs.csv."""
        return os.path.join(self.results_dir, name)

    @property
    def report(self) -> str:
        return os.path.join(self.results_dir, "report.html") if self.own else "report.html"

    def log(self, job: str) -> str:
        """The log of one of the study's own jobs ("aggregate", "plot_section/baseline")."""
        return os.path.join("logs", *([self.own] if self.own else []), f"{job}.log")

    def benchmark(self, job: str) -> str:
        return os.path.join("benchmarks", *([self.own] if self.own else []), f"{job}.tsv")


def products_of(folder: str, default_folder: str | None, workdir) -> Products:
    """The places of the study in ``folder``: the default study's (``default_folder``, what
    config/config.yaml names) keep today's; any other study's are its own."""
    same = default_folder is not None and Path(workdir, folder).resolve() == Path(workdir, default_folder).resolve()
    return Products(None if same else study_id(folder))


A_FILE_FOR_A_FOLDER = "a file stands where a folder should be: move or delete that file, then run again"
A_FOLDER_FOR_A_FILE = "a folder stands where a file should be: move or delete that folder, then run again"


def misplaced(folders, files) -> str | None:
    """The first of ``folders`` (or a folder above one of them or of ``files``) that is a file, or
    of ``files`` that is a folder, in one line with the fix; None when each is absent or what it
    should be. A build checks its outputs so before Snakemake looks at them, which would end in a
    traceback (NotADirectoryError, IsADirectoryError)."""
    above = set()
    for path in [*map(Path, folders), *(Path(f).parent for f in files)]:
        above.update([path, *path.parents])
    for folder in sorted(above - {Path(".")}, key=lambda p: len(p.parts)):  # the topmost first
        if folder.is_file():
            return f"{folder}: {A_FILE_FOR_A_FOLDER}"
    for file in map(Path, files):
        if file.is_dir():
            return f"{file}: {A_FOLDER_FOR_A_FILE}"
    return None
