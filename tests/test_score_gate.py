"""CI guards the recommended model's scores: a figure under its floor fails, naming source and layer."""

from __future__ import annotations

import json

import pytest

from arabic_news_tagger.cli import main
from arabic_news_tagger.evaluate.gate import FloorsError, check_floors, read_floors


def layer(f1):
    return {"micro": {"precision": f1, "recall": f1, "f1": f1, "support": 100}}


REPORT = {
    "entities": layer(0.856), "triggers": layer(0.807),
    "arguments_gold_triggers": layer(0.524), "arguments_end_to_end": layer(0.455),
    "other_sources": {
        "data/anercorp": {"entities": layer(0.742), "triggers": layer(0.739),
                          "arguments_gold_triggers": layer(0.254), "arguments_end_to_end": layer(0.207)},
        "wojood:val": {"entities": layer(0.817), "triggers": {"absent": "wojood:val annotates no events"}},
    },
}


def test_figures_at_or_over_their_floors_pass():
    floors = {"held_out": {"entities": 0.83, "arguments_end_to_end": 0.455}, "wojood:val": {"entities": 0.80}}
    lines, failures = check_floors(REPORT, floors)
    assert failures == []
    assert "| wojood:val | entities | 0.817 | 0.800 | ok |" in lines


def test_a_floor_raised_over_todays_figure_fails_naming_the_source_and_the_layer():
    floors = {"data/anercorp": {"triggers": 0.75, "entities": 0.70}, "held_out": {"arguments_gold_triggers": 0.60}}
    _, failures = check_floors(REPORT, floors)
    assert failures == ["data/anercorp triggers: F1 0.739 is under its floor 0.750",
                        "held_out arguments_gold_triggers: F1 0.524 is under its floor 0.600"]


def test_a_gated_figure_missing_from_the_report_fails():
    _, failures = check_floors(REPORT, {"wojood:val": {"triggers": 0.1}, "aqmar:dev": {"entities": 0.7}})
    assert [f.split(":")[0] for f in failures] == ["wojood", "aqmar"]
    assert all("not in the report" in f for f in failures)


def test_the_checked_in_floors_name_every_held_out_source_of_the_recommended_model(repo_root):
    floors = read_floors(repo_root / "evaluate" / "score-floors.toml")
    assert set(floors) == {"held_out", "data/anercorp", "wojood:val", "anercorp:dev", "aqmar:dev"}
    assert set(floors["held_out"]) == set(floors["data/anercorp"]) == {
        "entities", "triggers", "arguments_gold_triggers", "arguments_end_to_end"}


def test_a_broken_floors_file_is_named_with_its_key(tmp_path):
    bad = tmp_path / "floors.toml"
    bad.write_text('[floors.held_out]\nentites = 0.8\n', encoding="utf-8")
    with pytest.raises(FloorsError, match=r"floors.toml:floors.held_out.entites: not a layer"):
        read_floors(bad)
    bad.write_text('[floors.held_out]\nentities = 80\n', encoding="utf-8")
    with pytest.raises(FloorsError, match=r"held_out.entities: expected an F1 between 0 and 1, got 80"):
        read_floors(bad)


def test_the_command_prints_the_table_and_exits_1_on_a_failure(tmp_path, capsys):
    report = tmp_path / "evaluation.json"
    report.write_text(json.dumps(REPORT), encoding="utf-8")
    floors = tmp_path / "floors.toml"
    floors.write_text('[floors."wojood:val"]\nentities = 0.9\n[floors.held_out]\ntriggers = 0.8\n', encoding="utf-8")
    assert main(["check-scores", str(report), "--floors", str(floors)]) == 1
    out, err = capsys.readouterr()
    assert "| held_out | triggers | 0.807 | 0.800 | ok |" in out
    assert "score gate: FAIL wojood:val entities: F1 0.817 is under its floor 0.900" in err
    floors.write_text('[floors."wojood:val"]\nentities = 0.8\n', encoding="utf-8")
    assert main(["check-scores", str(report), "--floors", str(floors)]) == 0
    assert main(["check-scores", str(tmp_path / "missing.json"), "--floors", str(floors)]) == 2


def test_a_broken_report_is_named(tmp_path):
    from arabic_news_tagger.evaluate.gate import read_report

    bad = tmp_path / "evaluation.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(FloorsError, match=r"evaluation.json: not a JSON report"):
        read_report(bad)
    with pytest.raises(FloorsError, match=r"missing.json: no such report"):
        read_report(tmp_path / "missing.json")
