"""A run's identity: every setting that can make two runs differ, and the one place that spells it
as a folder, a Snakemake wildcard pattern with its constraints, and a label, and reads it back.

A setting joins the identity by adding a field here (``setting(...)``, or ``option(...)`` for one
with a default): folders, wildcards, constraints, parsing, the run tables' columns and the pairing
of runs all follow from the fields. An option is written into another field's folder only when it
is not its default, so that a run keeps the folder it had before the option existed.
"""

import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields

from mnist_mlp.data.arrays import DATASETS, EVALUATION_SETS, SUBSETS
from mnist_mlp.nn.activations import ACTIVATIONS
from mnist_mlp.nn.backends import BACKENDS
from mnist_mlp.nn.costs import COSTS
from mnist_mlp.nn.init import BIAS_DRAWS, CONCRETE_SCHEMES
from mnist_mlp.nn.l2 import L2_FORMS

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


def option(joins: str, tag: str, pattern: str, default, spell=str, parse=str):
    """A field with a default, written at the end of the folder of the field ``joins`` names as
    "_<tag><value>" (h30_sigmoid_quadratic, seed0_e30), and not at all when it has its default.

    Args as for ``setting``; ``pattern`` is that of a value other than the default.
    """
    return field(
        default=default,
        metadata={"tag": tag, "pattern": pattern, "spell": spell, "parse": parse, "joins": joins, "default": default},
    )


def _is_option(f) -> bool:
    return "joins" in f.metadata


def _unset(value) -> bool:
    """A cell or wildcard that leaves an option at its default: nothing, an empty text, NaN."""
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _optional_int(value) -> int | None:
    return None if _unset(value) else int(value)


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
    # What fully specified studies state, each at its default in every run made before it existed.
    subset: str = option("n_train", "", "|".join(SUBSETS[1:]), SUBSETS[0])  # which images: random, or the first n
    validation: int = option("n_train", "val", r"[0-9]+", 0, str, int)  # images held out as a validation set
    bias_init: str = option("init", "bias-", "|".join(BIAS_DRAWS), "")  # "": as the weights' scheme draws them
    cost: str = option("hidden", "", "|".join(COSTS[1:]), COSTS[0])  # the output layer and its cost
    l2: str = option("weight_decay", "l2-", "|".join(L2_FORMS[1:]), L2_FORMS[0])  # the form of weight decay
    epochs: int | None = option("seed", "e", r"[0-9]+", None, str, _optional_int)  # None: train.epochs
    batch_size: int | None = option("seed", "b", r"[0-9]+", None, str, _optional_int)  # None: train.batch_size
    evaluate_on: str = option("seed", "on-", "|".join(EVALUATION_SETS[1:]), EVALUATION_SETS[0])

    def __post_init__(self):
        for f in fields(self):  # one type per field, whichever way the key was made
            value = getattr(self, f.name)
            if _is_option(f) and _unset(value):
                value = f.metadata["default"]
            elif not (_is_option(f) and value == f.metadata["default"]):
                value = f.metadata["parse"](value)
            object.__setattr__(self, f.name, value)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The settings, in path order: also the run tables' columns that name a run."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def option_defaults(cls) -> dict:
        """Each option (a field with a default) and its default: what a run made before the option
        existed has."""
        return {f.name: f.metadata["default"] for f in fields(cls) if _is_option(f)}

    @classmethod
    def _path_fields(cls) -> list:
        """The fields in the order the folders spell them: each option right after the field it joins
        (and any option joined to it before)."""
        options = [f for f in fields(cls) if _is_option(f)]
        ordered = []
        for f in fields(cls):
            if not _is_option(f):
                ordered += [f, *(o for o in options if o.metadata["joins"] == f.name)]
        return ordered

    @classmethod
    def _folders(cls, part) -> str:
        """The fields' parts joined into folders: ``part(field)`` is a field's text (an option's
        carries its own "_<tag>", or is empty)."""
        folders = []
        for f in cls._path_fields():
            if _is_option(f):
                folders[-1] += part(f)
                continue
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
        """Each field's wildcard constraint; an option's also matches nothing, its default."""
        return {
            f.name: f"(?:_{f.metadata['tag']}(?:{f.metadata['pattern']}))?" if _is_option(f) else f.metadata["pattern"]
            for f in fields(cls)
        }

    @classmethod
    def unspelled(cls, name: str, text: str):
        """A field's text in a path without what spells the field around it: an option's "_<tag>";
        None for an option left out (its default)."""
        f = next(f for f in fields(cls) if f.name == name)
        if not _is_option(f):
            return text
        return f.metadata["parse"](text.removeprefix("_" + f.metadata["tag"])) if text else f.metadata["default"]

    @classmethod
    def _unspelled(cls, texts: dict) -> dict:
        return {name: cls.unspelled(name, text) for name, text in texts.items()}

    @classmethod
    def from_wildcards(cls, wildcards) -> "RunKey":
        """The key of a job, from its wildcards (Snakemake's, or a dict)."""
        get = wildcards.__getitem__ if isinstance(wildcards, Mapping) else lambda n: getattr(wildcards, n)
        return cls(**cls._unspelled({name: get(name) for name in cls.names()}))

    @classmethod
    def from_row(cls, row) -> "RunKey":
        """The key of a run table's row (a dict or a pandas row with the ``names()`` columns; an
        option's column may be missing, from a table written before the option existed)."""
        return cls(**{f.name: row[f.name] for f in fields(cls) if not (_is_option(f) and f.name not in row)})

    @classmethod
    def parse(cls, path) -> "RunKey":
        """The key of a path that ends in a run's folder (results/runs/..., a log, an absolute path)."""
        constraints = cls.wildcard_constraints()
        regex = cls._folders(lambda f: f"(?P<{f.name}>{constraints[f.name]})")
        match = re.search(rf"(?:^|/){regex}(?:\.\w+)?/?$", str(path))
        if match is None:
            raise ValueError(f"{path}: not a run's folder ({cls.pattern()})")
        return cls(**cls._unspelled(match.groupdict()))

    def wildcards(self) -> dict:
        """Each setting as its path spells it, in path order; an option at its default as nothing."""
        spelled = {}
        for f in self._path_fields():
            value = getattr(self, f.name)
            if not _is_option(f):
                spelled[f.name] = f.metadata["spell"](value)
            else:
                spelled[f.name] = (
                    "" if value == f.metadata["default"] else f"_{f.metadata['tag']}{f.metadata['spell'](value)}"
                )
        return spelled

    def folder(self) -> str:
        """The run's folder below results/runs/: mnist_n30000/numpy/relu/he_normal/h500-250-100/lr0.1_wd0.0/seed0."""
        spelled = self.wildcards()
        return self._folders(lambda f: spelled[f.name])

    def path(self, place: str = "dir") -> str:
        """The run's folder, log or benchmark file (a key of PLACES), relative to the working directory."""
        return PLACES[place].format(self.folder())

    def row(self) -> dict:
        """The settings as a run table holds them: numbers and names as they are, widths spelled, an
        unset option (the config's epochs) empty."""
        return {
            name: value if value is None or isinstance(value, (str, int, float)) else spell_widths(value)
            for name, value in asdict(self).items()
        }

    def label(self) -> str:
        """How the report and compare name the run: its folder, which is also where to look."""
        return self.folder()

    def without(self, *names: str) -> tuple:
        """The settings but ``names``, to pair runs that differ only there (e.g. over seeds)."""
        return tuple(getattr(self, n) for n in self.names() if n not in names)
