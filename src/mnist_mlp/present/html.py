"""What every section of report.html is made of: a section's heading, links to runs, and figures
embedded as data: URIs, so that the report needs nothing beside it."""

import base64
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mnist_mlp.data.datasets import DatasetInfo
from mnist_mlp.runs.key import RunKey


@dataclass(frozen=True)
class Section:
    """A section of the report: the contents, its heading and every link to it read these."""

    anchor: str
    title: str


def data_uri(path: Path, mime: str = "image/png") -> str:
    """A file as a data: URI, so the report needs nothing beside it."""
    return f"data:{mime};base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def png_width(path: Path) -> int:
    """The pixel width a PNG's header declares."""
    with open(path, "rb") as f:
        return struct.unpack(">I", f.read(24)[16:20])[0]


def anchor(text: str) -> str:
    """An HTML id from any text: letters, digits, - and _ only."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")


def run_anchor(folder: str) -> str:
    """The id of a run's row in the run table, from its folder."""
    return "run-" + anchor(RunKey.parse(folder).label())


def run_links(folders: list[str]) -> list[dict]:
    """Links to the run table's rows of ``folders``."""
    return [{"anchor": run_anchor(d), "label": RunKey.parse(d).label()} for d in folders]


def alt_text(what: str, data: pd.DataFrame | None, kind: str | None, info: DatasetInfo) -> str:
    """What a figure shows, in words: what is plotted and where each curve ends (for a confusion
    matrix, how many of each class it gets right, each named as ``info`` names it)."""
    if data is None or data.empty:
        return what
    if kind == "confusion":
        diagonal = data[data["series"].astype(str) == data["x"].astype(str)]
        return f"{what}. Correct answers per {info.noun}: " + ", ".join(
            f"{info.classes[int(s)]}: {y:.0f}" for s, y in zip(diagonal["series"], diagonal["y"])
        )
    ends = data.dropna(subset=["y"]).groupby("series", sort=False).tail(1)
    return f"{what}. " + "; ".join(
        f"{s} ends at {y:.4g} (at {x})" for s, x, y in zip(ends["series"], ends["x"], ends["y"])
    )


@dataclass(frozen=True)
class Figures:
    """The figures a report embeds.

    Args:
        paths: figure id -> {"png", "svg", "csv"}: the paths, each a declared input of the report.
        info: the dataset the runs are on, whose classes the alt texts name.
    """

    paths: dict
    info: DatasetInfo

    def entry(self, fig_id: str, label: str, caption: str, runs: list[str] = (), kind: str | None = None) -> dict:
        """One figure: its PNG (shown at half its pixel width: it is drawn at twice the density),
        SVG and CSV downloads, alt text, and the runs behind it."""
        files = self.paths[fig_id]
        png = Path(files["png"])
        data = pd.read_csv(files["csv"])
        return {
            "id": fig_id,
            "label": label,
            "caption": caption,
            "src": data_uri(png),
            "width": png_width(png) // 2,
            "svg": data_uri(files["svg"], "image/svg+xml"),
            "csv": data_uri(files["csv"], "text/csv"),
            "alt": alt_text(f"{label}: {caption}", data, kind, self.info),
            "run_links": run_links(list(runs)),
        }
