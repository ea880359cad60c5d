"""A run's identity: every setting that can make two runs differ, and the one place that spells it
as a folder, a Snakemake wildcard pattern with its constraints, and a label, and reads it back.

A setting joins the identity by adding a field here (``setting(...)``): folders, wildcards,
constraints, parsing, the run tables' columns and the pairing of runs all follow from the fields.
"""

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields

from mnist_mlp.data.arrays import DATASETS
from mnist_mlp.nn.activations import ACTIVATIONS
from mnist_mlp.nn.backends import BACKENDS
from mnist_mlp.nn.init import CONCRETE_SCHEMES

RUNS_ROOT = "results/runs"
# Where each of a run's places lies; "{}" is the run's folder (``RunKey.folder``).
PLACES = {
    "dir": RUNS_ROOT + "/{}",  # the run's files (mnist_mlp.runs.run_format names them)
    "log": "logs/train/{}.log",
    "benchmark": "benchmarks/train/{}.tsv",
}
NUMBER = r"[0-9][0-9.e+-]*"
WIDTHS = r"[0-9]+(?:-[0-9]+)*"


def number_in_path(x) -> str:
    """The one spelling of a number in a path: the shortest that reads back exactly (0.001, 1e-05)."""
    return repr(float(x))


def spell_widths(widths) -> str:
    """Hidden layer widths as a path spells them: 500-250-100."""
    return "-".join(str(w) for w in widths)


def parse_widths(value) -> tuple[int, ...]:
    """Hidden layer widths from a path or a table ("500-250-100", "[500, 250, 100]", 100) or a list."""
    if isinstance(value, str):
        value = re.findall(r"[0-9]+", value)
    elif not isinstance(value, (list, tuple)):
        value = [value]
    widths = tuple(int(w) for w in value)
    if not widths or min(widths) < 1:
        raise ValueError(f"{value!r}: hidden layer widths must be one or more positive whole numbers")
    return widths


def setting(tag: str, pattern: str, spell=str, parse=str, same_folder: bool = False):
    """A field of the key.

    Args:
        tag: written before the value in the path ("lr" gives lr0.1); "" for none.
        pattern: the regular expression of a spelled value (the wildcard's constraint).
        spell: value -> its text in the path; parse: that text (or a table's value) -> value.
        same_folder: shares the previous field's folder, joined by "_" (lr0.1_wd0.0).
    """
    return field(metadata={"tag": tag, "pattern": pattern, "spell": spell, "parse": parse, "same_folder": same_folder})


@dataclass(frozen=True)
class RunKey:
    """One run: two runs with the same key are the same job and the same folder."""

    dataset: str = setting("", "|".join(DATASETS))
    n_train: int = setting("n", r"[0-9]+", str, int, same_folder=True)  # training images (a subset's size)
    backend: str = setting("", "|".join(BACKENDS))
    activation: str = setting("", "|".join(ACTIVATIONS))
    init: str = setting("", "|".join(CONCRETE_SCHEMES))  # the concrete scheme: auto is resolved first
    hidden: tuple = setting("h", WIDTHS, spell_widths, parse_widths)  # hidden layer widths
    lr: float = setting("lr", NUMBER, number_in_path, float)
    weight_decay: float = setting("wd", NUMBER, number_in_path, float, same_folder=True)
    seed: int = setting("seed", r"\d+", str, int)

    def __post_init__(self):
        for f in fields(self):  # one type per field, whichever way the key was made
            object.__setattr__(self, f.name, f.metadata["parse"](getattr(self, f.name)))

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The settings, in path order: also the run tables' columns that name a run."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def _folders(cls, part) -> str:
        """The fields' parts (``part(field)``) joined into folders."""
        folders = []
        for f in fields(cls):
            text = f.metadata["tag"] + part(f)
            if f.metadata["same_folder"] and folders:
                folders[-1] += "_" + text
            else:
                folders.append(text)
        return "/".join(folders)

    @classmethod
    def pattern(cls, place: str = "dir") -> str:
        """The Snakemake pattern of a place of every run, e.g. results/runs/{backend}/.../seed{seed}."""
        return PLACES[place].format(cls._folders(lambda f: "{" + f.name + "}"))

    @classmethod
    def wildcard_constraints(cls) -> dict:
        return {f.name: f.metadata["pattern"] for f in fields(cls)}

    @classmethod
    def from_wildcards(cls, wildcards) -> "RunKey":
        """The key of a job, from its wildcards (Snakemake's, or a dict)."""
        get = wildcards.__getitem__ if isinstance(wildcards, Mapping) else lambda n: getattr(wildcards, n)
        return cls(**{name: get(name) for name in cls.names()})

    @classmethod
    def from_row(cls, row) -> "RunKey":
        """The key of a run table's row (a dict or a pandas row with the ``names()`` columns)."""
        return cls(**{name: row[name] for name in cls.names()})

    @classmethod
    def parse(cls, path) -> "RunKey":
        """The key of a path that ends in a run's folder (results/runs/..., a log, an absolute path)."""
        regex = cls._folders(lambda f: f"(?P<{f.name}>{f.metadata['pattern']})")
        match = re.search(rf"(?:^|/){regex}(?:\.\w+)?/?$", str(path))
        if match is None:
            raise ValueError(f"{path}: not a run's folder ({cls.pattern()})")
        return cls(**match.groupdict())

    def wildcards(self) -> dict:
        """Each setting as its path spells it."""
        return {f.name: f.metadata["spell"](getattr(self, f.name)) for f in fields(self)}

    def folder(self) -> str:
        """The run's folder below results/runs/: mnist_n30000/numpy/relu/he_normal/h500-250-100/lr0.1_wd0.0/seed0."""
        spelled = self.wildcards()
        return self._folders(lambda f: spelled[f.name])

    def path(self, place: str = "dir") -> str:
        """The run's folder, log or benchmark file (a key of PLACES), relative to the working directory."""
        return PLACES[place].format(self.folder())

    def row(self) -> dict:
        """The settings as a run table holds them: numbers and names as they are, widths spelled."""
        return {
            name: value if isinstance(value, (str, int, float)) else spell_widths(value)
            for name, value in asdict(self).items()
        }

    def label(self) -> str:
        """How the report and compare name the run: its folder, which is also where to look."""
        return self.folder()

    def without(self, *names: str) -> tuple:
        """The settings but ``names``, to pair runs that differ only there (e.g. over seeds)."""
        return tuple(getattr(self, n) for n in self.names() if n not in names)
