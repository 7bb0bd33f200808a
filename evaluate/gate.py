"""The score gate: a model's evaluation report against checked-in floors.

A floor is a micro F1 under which a held-out figure must not fall; the floors file says how they
were chosen. ``check_floors`` returns one message per figure under its floor, naming the source
and the layer, so CI can fail on a change that makes the model worse and say where.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

LAYERS = ("entities", "triggers", "arguments_gold_triggers", "arguments_end_to_end")
#: The floors file's name for the report's top-level figures: the configuration's held-out documents of
#: its main corpus. Other sources are named as ``evaluate`` names them (``data/anercorp``, ``wojood:val``).
MAIN = "held_out"


class FloorsError(ValueError):
    """The floors file or the report is not what the gate reads; the message names the file and key."""


def read_floors(path: str | Path) -> dict[str, dict[str, float]]:
    """``{source: {layer: floor}}`` from a TOML file of ``[floors."SOURCE"]`` tables."""
    path = Path(path)
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FloorsError(f"{path}: no such floors file") from None
    except tomllib.TOMLDecodeError as e:
        raise FloorsError(f"{path}: not valid TOML: {e}") from None
    floors = values.get("floors")
    if not isinstance(floors, dict) or not floors:
        raise FloorsError(f"{path}: expected [floors.\"SOURCE\"] tables of layer = floor")
    for source, layers in floors.items():
        if not isinstance(layers, dict):
            raise FloorsError(f"{path}:floors.{source}: expected a table of layer = floor")
        for layer, floor in layers.items():
            if layer not in LAYERS:
                raise FloorsError(f"{path}:floors.{source}.{layer}: not a layer (one of {', '.join(LAYERS)})")
            if isinstance(floor, bool) or not isinstance(floor, (int, float)) or not 0 <= floor <= 1:
                raise FloorsError(f"{path}:floors.{source}.{layer}: expected an F1 between 0 and 1, got {floor!r}")
    return floors


def read_report(path: str | Path) -> dict:
    """An ``evaluate --report-json`` report; a missing or broken file is an error naming it."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FloorsError(f"{path}: no such report") from None
    except json.JSONDecodeError as e:
        raise FloorsError(f"{path}: not a JSON report ({e})") from None


def report_figure(report: dict, source: str, layer: str) -> float | None:
    """The micro F1 of ``layer`` on ``source`` in an ``evaluate --report-json`` report (None: not there)."""
    scores = report if source == MAIN else report.get("other_sources", {}).get(source)
    layer_scores = (scores or {}).get(layer)
    if not layer_scores or "absent" in layer_scores:
        return None
    return float(layer_scores["micro"]["f1"])


def check_floors(report: dict, floors: dict[str, dict[str, float]]) -> tuple[list[str], list[str]]:
    """(table lines, failures): every gated figure beside its floor, and one message per figure that
    is under its floor or missing from the report."""
    lines = ["| source | layer | F1 | floor | |", "|---|---|---:|---:|---|"]
    failures = []
    for source, layers in floors.items():
        for layer, floor in layers.items():
            figure = report_figure(report, source, layer)
            if figure is None:
                failures.append(f"{source} {layer}: not in the report (the gate needs it; floor {floor:.3f})")
                lines.append(f"| {source} | {layer} | missing | {floor:.3f} | FAIL |")
            else:
                ok = figure >= floor
                if not ok:
                    failures.append(f"{source} {layer}: F1 {figure:.3f} is under its floor {floor:.3f}")
                lines.append(f"| {source} | {layer} | {figure:.3f} | {floor:.3f} | {'ok' if ok else 'FAIL'} |")
    return lines, failures
