"""The replay: setup, verbs, expectations, the report, and errors that name their line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from childsafe.core import clock
from childsafe.people.models import Person
from childsafe.scenarios.loader import ScenarioError
from childsafe.scenarios.management.commands.replay import expand
from childsafe.scenarios.replay import Replay

FIXTURES = Path(__file__).parent / "fixtures"

HEADER = """id: X
title: x
start: 2022-06-01T21:00:00+01:00
setup:
  users:
    - {key: handler, role: call_handler}
  people:
    - {key: amy, name: Amy Walsh, dob: 2009-01-11}
"""


def replay(text: str):
    return Replay(text, "test.yaml")


@pytest.mark.django_db
def test_setup_only_scenario_passes_and_reports():
    report = Replay.from_file(FIXTURES / "setup-only.yaml").run()
    assert report.passed, report.expectations
    assert [e["held"] for e in report.expectations] == [True, True, True, True]
    liam = Person.objects.get(forenames="Liam", surname="Carter")
    assert liam.looked_after and liam.placement.name == "Oak House"
    assert set(liam.markers.values_list("type", flat=True)) == {"county_lines", "firearms", "knives"}
    assert liam.enrolments.get().school.urn == "121234"
    assert clock.now() != report  # the clock is real again after the replay
    assert clock._global_override is None


@pytest.mark.django_db
def test_failed_expectation_is_reported_not_hidden():
    from childsafe.core import engine
    from childsafe.scenarios.replay import DOCUMENTED_RULES

    # A rule RULES.md documents that this version doesn't have yet (there is always one while the
    # capabilities grow); without one, MP-2 stands in and is simply not raised in time.
    missing = [
        f"{family}-{n}"
        for family, top in DOCUMENTED_RULES.items()
        for n in range(1, top + 1)
        if not engine.is_known(f"{family}-{n}")
    ]
    rule = missing[0] if missing else "MP-2"
    text = (
        HEADER
        + f"""steps:
  - {{at: "+1m", as: handler, do: person.add_marker, with: {{child: amy, marker: knives}}, save: m}}
expect:
  - {{refused: m, rule: PL-3}}
  - {{alert: {rule}, about: amy, by: "+10m"}}
"""
    )
    report = replay(text).run()
    assert not report.passed
    refused, alert = report.expectations
    assert refused["held"] is False and refused["note"] == "the step went through"
    assert alert["held"] is False
    assert ("not implemented" in alert["note"]) if missing else ("no such alert" in alert["note"])


@pytest.mark.django_db
def test_guard_refusal_and_bad_input_do_not_stop_the_replay():
    text = (
        HEADER
        + """steps:
  - {at: "+1m", as: handler, do: person.add_marker, with: {child: amy, marker: dragons}, save: bad}
  - {at: "+2m", as: handler, do: person.add_marker, with: {child: amy, marker: knives}, save: good}
expect:
  - {refused: bad}
  - {done: good}
"""
    )
    report = replay(text).run()
    assert report.passed
    assert report.refused[0]["step"] == "bad"
    assert "dragons" in report.refused[0]["message"]


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ("steps:\n  - {at: '+1m', as: handler, do: person.teleport, with: {child: amy}}\n", 10, "Unknown verb"),
        (
            "steps:\n  - {at: '+1m', as: handler, do: person.add_marker, with: {child: amy, colour: red}}\n",
            10,
            "unknown field 'colour'",
        ),
        ("steps: []\nexpect:\n  - {alert: MP-99}\n", 11, "Unknown rule ID 'MP-99'"),
        ("steps: []\nexpect:\n  - {alrt: MP-3}\n", 11, "exactly one of"),
        (
            "steps:\n  - {at: '+1m', as: nobody, do: person.add_marker, with: {child: amy, marker: knives}}\n",
            10,
            "no user with key 'nobody'",
        ),
    ],
)
@pytest.mark.django_db
def test_mistakes_name_their_line(body, line, words):
    with pytest.raises(ScenarioError) as caught:
        replay(HEADER + body).run()
    assert caught.value.line == line, str(caught.value)
    assert words in str(caught.value)


@pytest.mark.django_db
def test_unknown_setup_field_names_its_line():
    text = HEADER.replace("dob: 2009-01-11}", "dob: 2009-01-11, shoe_size: 5}") + "steps: []\n"
    with pytest.raises(ScenarioError) as caught:
        replay(text).run()
    assert caught.value.line == 8 and "shoe_size" in str(caught.value)


@pytest.mark.django_db
def test_steps_out_of_time_order_are_an_error():
    text = (
        HEADER
        + """steps:
  - {at: "+10m", as: handler, do: person.add_marker, with: {child: amy, marker: knives}}
  - {at: "+5m", as: handler, do: person.add_marker, with: {child: amy, marker: drugs}}
"""
    )
    with pytest.raises(ScenarioError) as caught:
        replay(text).run()
    assert caught.value.line == 11


def test_cli_replays_on_a_throwaway_database_and_prints_json(tmp_path):
    """`childsafe replay --json` as a user runs it: its own fresh database, exit code, JSON report."""
    env = {
        **os.environ,
        "CHILDSAFE_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "childsafe.config.settings.local",
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "childsafe.cli", "replay", "--json", str(FIXTURES / "setup-only.yaml")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["id"] == "T1" and report["passed"] is True
    assert {"expectations", "alerts", "refused", "notifications"} <= set(report)
    # Nothing was written to the force's own database under var/.
    assert not (tmp_path / "childsafe.sqlite3").exists() or os.path.getsize(tmp_path / "childsafe.sqlite3") == 0


def test_cli_reports_unknown_verbs_with_their_line(tmp_path):
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(HEADER + "steps:\n  - {at: '+1m', as: handler, do: incident.teleport}\n")
    env = {
        **os.environ,
        "CHILDSAFE_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "childsafe.config.settings.local",
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "childsafe.cli", "replay", str(scenario)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2
    assert "line 10" in result.stderr and "Unknown verb 'incident.teleport'" in result.stderr


def test_replay_takes_folders_and_globs_in_name_order(tmp_path):
    for name in ("b.yaml", "a.yaml", "notes.txt"):
        (tmp_path / name).write_text("")
    assert expand([str(tmp_path)]) == [str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")]
    assert expand([str(tmp_path / "*.yaml")]) == [str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")]
    assert expand([str(tmp_path / "b.yaml")]) == [str(tmp_path / "b.yaml")]
    with pytest.raises(CommandError, match="No scenario file matches"):
        expand([str(tmp_path / "z*.yaml")])


def test_replay_lists_its_verbs_from_the_registry():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("replay", "--verbs", stdout=out)
    text = out.getvalue()
    assert "missing.report: child, reported_by, (circumstances)," in text
    assert "ppn.triage: decision, ppn, (partners), (reason)" in text
