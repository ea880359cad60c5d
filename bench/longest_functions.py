"""The longest functions and methods of the package, longest first: where to look first when a
review asks for small functions (issue 25 pastes the five longest).

    python bench/longest_functions.py [--top N] [PATH ...]

PATH is a Python file or a folder searched for them (default: src/). A function's length is its
lines from ``def`` (decorators left out) to its last line, docstring and comments included.
"""

import argparse
import ast
import os
from pathlib import Path
from typing import NamedTuple

SRC = Path(__file__).resolve().parent.parent / "src"


class Function(NamedTuple):
    lines: int
    where: str  # path:line of its def
    name: str  # qualified: Class.method, outer.inner


def functions(path: Path) -> list[Function]:
    """Every function and method defined in the Python file ``path``, nested ones included."""
    found = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = child.end_lineno - child.lineno + 1
                found.append(Function(length, f"{os.path.relpath(path)}:{child.lineno}", prefix + child.name))
            named = isinstance(child, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            visit(child, f"{prefix}{child.name}." if named else prefix)

    visit(ast.parse(path.read_text(), filename=str(path)), "")
    return found


def python_files(paths: list[Path]) -> list[Path]:
    return sorted(f for p in paths for f in ([p] if p.is_file() else p.rglob("*.py")))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[SRC], metavar="PATH")
    parser.add_argument("--top", type=int, default=5, metavar="N", help="how many to print (default 5)")
    args = parser.parse_args(argv)
    found = [f for path in python_files(args.paths) for f in functions(path)]
    for function in sorted(found, key=lambda f: -f.lines)[: args.top]:
        print(f"{function.lines:4d}  {function.where}  {function.name}")


if __name__ == "__main__":
    main()
