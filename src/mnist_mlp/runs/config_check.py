"""The config typed strictly before anything runs, so that no bad value reaches a job or a path.

JSON Schema alone counts 1.0 as an integer and lets .inf and .nan pass as numbers; here an
integer must be written as one (a whole-number float is refused, not converted, so the config
says what it means), every number must be finite, and a number that YAML read as a string (1e-2,
which YAML 1.1 needs written 1.0e-2) is named with its fix.
"""

import math
import re
from pathlib import Path

import jsonschema
import yaml

_NUMBER_TEXT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _is_integer(_, value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(_, value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


_BASE = jsonschema.Draft202012Validator
StrictValidator = jsonschema.validators.extend(
    _BASE, type_checker=_BASE.TYPE_CHECKER.redefine_many({"integer": _is_integer, "number": _is_number})
)


# The patterns of names (ids of experiments, sweeps, claims), in words: they become folder and file names.
PATTERN_WORDS = {
    "^[A-Za-z0-9_.-]+$": "letters, digits, '.', '_' and '-' only",
    "^[A-Za-z0-9_]+$": "letters, digits and '_' only",
}


def _explain(error: jsonschema.ValidationError) -> str:
    value = error.instance
    if error.validator == "pattern" and error.validator_value in PATTERN_WORDS:
        return f"{value!r} is not a valid name: {PATTERN_WORDS[error.validator_value]}"
    if error.validator == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        if isinstance(value, float) and not math.isfinite(value):
            return f"{value} is not a finite number"
        if isinstance(value, float) and value.is_integer() and "integer" in wanted:
            return f"{value!r} is a whole-number float; write {int(value)}"
        if isinstance(value, str) and _NUMBER_TEXT.fullmatch(value.strip()):
            number = float(value)
            if "integer" in wanted and number.is_integer():
                fix = str(int(number))
            else:
                fix = value if "." in value else re.sub(r"^([+-]?\d+)", r"\1.0", value)
            return f"'{value}' is a string (YAML reads a number without a dot that way); write {fix}"
    return error.message


def config_error(config: dict, schema: dict) -> tuple[str, str] | None:
    """The key and the message of the most relevant error in ``config``, or None when it is valid."""
    error = jsonschema.exceptions.best_match(StrictValidator(schema).iter_errors(config))
    if error is None:
        return None
    return ".".join(str(part) for part in error.absolute_path) or "(top level)", _explain(error)


def mapping_file_problem(path) -> str | None:
    """Why the YAML file at ``path`` is not a mapping of keys (a config or study file), in words
    that follow its name; None when it is one."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return "not text (not UTF-8): a config or study file is YAML text, key: value at the top level"
    except FileNotFoundError:
        return "not found"
    except IsADirectoryError:
        return "a folder, where a YAML file should be"
    except OSError as err:
        return f"cannot be read ({err.strerror or err})"
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "YAML"
        return f"{where}: {getattr(err, 'problem', None) or str(err).splitlines()[0]}"
    if isinstance(value, dict):
        return None
    found = "empty" if value is None else f"a YAML {type(value).__name__}"
    return f"{found}, not a mapping of keys (key: value at the top level)"
