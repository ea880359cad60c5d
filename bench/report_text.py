"""The text a reader sees in a report.html, one block a line: for diffing the report of two builds
(issue 25: a refactoring must leave the smoke study's report reading the same).

    python bench/report_text.py OLD/report.html > old.txt
    python bench/report_text.py NEW/report.html > new.txt
    diff old.txt new.txt

Scripts, styles and embedded files (data: URIs) are left out; the alt text of images is kept,
and each anchor's id is written as [#id] so that a renamed anchor shows in the diff too.
"""

import argparse
import re
from html.parser import HTMLParser
from pathlib import Path

BLOCKS = {"p", "li", "tr", "h1", "h2", "h3", "caption", "figcaption", "pre", "summary", "div", "ul", "ol", "table"}


class Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.lines, self.current, self.skip = [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self.skip += 1
        if tag in BLOCKS:
            self.flush()
        if attrs.get("id"):
            self.current.append(f"[#{attrs['id']}]")
        if tag == "img" and attrs.get("alt"):
            self.current.append(f"[img: {attrs['alt']}]")
        if tag == "a" and (attrs.get("href") or "").startswith("#"):
            self.current.append(f"[->{attrs['href']}]")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1
        if tag in BLOCKS:
            self.flush()

    def handle_data(self, data):
        if not self.skip:
            self.current.append(data)

    def flush(self):
        line = re.sub(r"\s+", " ", " ".join(self.current)).strip()
        if line:
            self.lines.append(line)
        self.current = []


def report_text(path: Path) -> str:
    parser = Text()
    parser.feed(Path(path).read_text(encoding="utf-8"))
    parser.flush()
    return "\n".join(parser.lines) + "\n"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path)
    print(report_text(parser.parse_args().report), end="")
