"""The project's rule list: `childsafe rules` prints every registered rule, and docs/rules.md is current."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from childsafe.core import engine, rulebook


def test_the_committed_rule_list_matches_the_registry():
    assert rulebook.DOC_PATH.read_text(encoding="utf-8") == rulebook.as_markdown(), (
        "docs/rules.md is out of date with the rules engine: run `childsafe rules --markdown` and commit it."
    )


def test_childsafe_rules_prints_every_rule_with_its_kind_owner_timing_and_source():
    out = StringIO()
    call_command("rules", stdout=out)
    text = out.getvalue()
    for rule in engine.all_rules():
        assert f"{rule.id}  [{rule.kind}]  {rule.title}" in text
    mp2 = text.split("MP-2  ")[1].split("MP-3  ")[0]
    assert "owner:  FIM" in mp2
    assert "Default 30 minutes (setting `missing.mp2_fim_grade_minutes`)" in mp2
    assert "app:    missing" in mp2 and "source: Report," in mp2
    # A guard registered outside a clock says which app holds it, not "core".
    assert "app:    people" in text.split("PL-3  ")[1].split("PL-4  ")[0]


def test_markdown_goes_to_the_file_named(tmp_path):
    target = tmp_path / "rules.md"
    call_command("rules", "--markdown", str(target), stdout=StringIO())
    assert target.read_text(encoding="utf-8") == rulebook.as_markdown()
    assert "| RF-3 | clock (deadline and alert) |" in target.read_text(encoding="utf-8")
