"""Reading curated YAML with the line of every mapping, key and list item, so that each
problem can be reported at the line the curator must edit (``loaders/curated.py``)."""

from __future__ import annotations

from pathlib import Path

import yaml

from hcckg.ground.errors import Problem

UNREADABLE = ("YAML syntax", "cannot read")


class LineDict(dict):
    """A YAML mapping that remembers its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


class LineList(list):
    line: int = 0
    item_lines: list[int]


class _Loader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    pass


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line, out.key_lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            # A repeated key would silently win in plain YAML: report it like any problem.
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line, out.item_lines = node.start_mark.line + 1, [c.start_mark.line + 1 for c in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def read_yaml(path: Path, problems: list[Problem]) -> list:
    """The list of items of one curated file; a syntax error becomes a Problem."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 (safe loader)
    except yaml.MarkedYAMLError as err:
        # The context mark is where the broken construct starts (an unclosed bracket), which
        # is where the curator must look; the problem mark is where the parser gave up.
        mark = err.context_mark or err.problem_mark
        line = mark.line + 1 if mark else None
        message = f"{UNREADABLE[0]}: {err.context + ', ' if err.context else ''}{err.problem or err}"
        if err.problem_mark and err.context_mark:
            message += f" (noticed at line {err.problem_mark.line + 1})"
        problems.append(Problem(str(path), message, line=line))
        return []
    except yaml.reader.ReaderError as err:  # a character YAML does not allow (a NUL, a control)
        line = text[: err.position].count("\n") + 1
        problems.append(
            Problem(
                str(path), f"{UNREADABLE[0]}: character {err.character!r} is not allowed in YAML", line=line
            )
        )
        return []
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        problems.append(
            Problem(str(path), f"{UNREADABLE[1]}: not UTF-8 (byte {raw[err.start]:#04x})", line=line)
        )
        return []
    except OSError as err:
        problems.append(Problem(str(path), f"{UNREADABLE[1]}: {err}"))
        return []
    if data is None:
        return []
    if not isinstance(data, list):
        problems.append(Problem(str(path), "a curated file is a YAML list of records", line=1))
        return []
    return data
