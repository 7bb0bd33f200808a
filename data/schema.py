"""The annotation schema, read from brat's ``annotation.conf``.

The schema is data: entity types, argument-only span types, event types and the roles each event
type admits all come from the file, so adding a type is an edit there, never here.

Layering follows the file: a span type named as ``Arg1`` of an ``<OVERLAP>`` line may overlap
other spans and belongs to the event layer (argument-only spans); every other ``[entities]`` type
is in the flat entity layer, where spans never overlap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

CONF_NAME = "annotation.conf"


class SchemaError(ValueError):
    """annotation.conf is malformed; the message names the file and line."""


@dataclass(frozen=True)
class RoleSpec:
    role: str
    cardinality: str  # "", "?", "*" or "+", as in brat
    types: frozenset[str]


@dataclass
class Schema:
    path: Path
    entity_types: list[str]  # flat entity layer, in file order
    argument_span_types: list[str]  # argument-only spans (event layer)
    event_types: dict[str, dict[str, RoleSpec]]  # event type -> role -> spec
    macros: dict[str, list[str]] = field(default_factory=dict)

    @property
    def roles(self) -> list[str]:
        seen: dict[str, None] = {}
        for specs in self.event_types.values():
            for role in specs:
                seen.setdefault(role, None)
        return list(seen)

    def is_entity(self, label: str) -> bool:
        return label in self.entity_types

    def is_event_layer_span(self, label: str) -> bool:
        return label in self.argument_span_types or label in self.event_types

    def label_list(self, layer: str) -> list[str]:
        """BIO labels of a layer ("entities", "triggers" or "arguments"), "O" first."""
        names = {
            "entities": self.entity_types,
            "triggers": list(self.event_types),
            "arguments": self.roles,
        }[layer]
        return ["O"] + [f"{p}-{n}" for n in names for p in ("B", "I")]


_SECTION = re.compile(r"^\[(\w+)\]\s*$")
_MACRO = re.compile(r"^<([A-Za-z0-9_-]+)>\s*=\s*(.+)$")
_ROLE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*?)([?*+]?)$")


def find_conf(directory: str | Path) -> Path:
    """brat's rule: annotation.conf in the directory or the nearest parent that has one."""
    start = Path(directory).resolve()
    for d in [start, *start.parents]:
        if (d / CONF_NAME).is_file():
            return d / CONF_NAME
    raise SchemaError(f"{directory}: no {CONF_NAME} in this directory or any parent")


def load_schema(path: str | Path) -> Schema:
    path = Path(path)
    if path.is_dir():
        path = find_conf(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        # A relative corpus path recorded in a model is read from the working directory.
        raise SchemaError(f"{path}: no such file or corpus directory (a relative path is read from the working "
                          f"directory, {Path.cwd()}; name the corpus with --corpus-dir DIR)") from None
    except UnicodeDecodeError as e:
        raise SchemaError(f"{path}: not UTF-8 ({e.reason} at byte {e.start})") from None

    section = None
    span_types: list[str] = []
    overlapping: set[str] = set()
    raw_events: list[tuple[int, str, str]] = []
    macros: dict[str, list[str]] = {}
    for lineno, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if m := _SECTION.match(line):
            section = m.group(1)
            continue
        if m := _MACRO.match(line):
            macros[m.group(1)] = [t.strip() for t in m.group(2).split("|")]
            continue
        if section is None:
            raise SchemaError(f"{path}:{lineno}: text before the first [section]")
        if section == "entities":
            if not re.fullmatch(r"!?[A-Za-z][A-Za-z0-9_-]*", line):
                raise SchemaError(f"{path}:{lineno}: not an entity type name: {line!r}")
            span_types.append(line.lstrip("!"))
        elif section == "relations":
            name, _, rest = line.partition("\t") if "\t" in line else line.partition(" ")
            if name.strip() == "<OVERLAP>":
                for part in rest.split(","):
                    key, _, value = part.strip().partition(":")
                    if key == "Arg1":
                        overlapping.update(value.split("|"))
        elif section == "events":
            name, _, rest = line.replace("\t", " ").partition(" ")
            raw_events.append((lineno, name.strip(), rest.strip()))
        # [attributes] and unknown sections carry nothing this tool uses.

    event_types: dict[str, dict[str, RoleSpec]] = {}
    all_span_types = set(span_types)
    for lineno, name, rest in raw_events:
        name = name.lstrip("!")
        roles: dict[str, RoleSpec] = {}
        for part in filter(None, (p.strip() for p in rest.split(","))):
            role_part, sep, types_part = part.partition(":")
            m = _ROLE.match(role_part.strip())
            if not sep or not m:
                raise SchemaError(f"{path}:{lineno}: argument {part!r} of {name} is not ROLE:TYPE")
            types: set[str] = set()
            for t in types_part.split("|"):
                t = t.strip()
                macro = t[1:-1] if t.startswith("<") and t.endswith(">") else None
                if macro in macros:
                    types.update(macros[macro])
                elif t in ("<ENTITY>", "<ANY>"):
                    types.update(all_span_types)
                else:
                    types.add(t)
            unknown = sorted(types - all_span_types - {"<EVENT>"} - {n for _, n, _ in raw_events})
            if unknown:
                raise SchemaError(f"{path}:{lineno}: {name}.{m.group(1)} names unknown types {unknown}")
            roles[m.group(1)] = RoleSpec(m.group(1), m.group(2), frozenset(types))
        event_types[name] = roles

    argument_span_types = [t for t in span_types if t in overlapping]
    entity_types = [t for t in span_types if t not in overlapping]
    return Schema(path, entity_types, argument_span_types, event_types, macros)
