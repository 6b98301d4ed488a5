"""MHET's legacy spreadsheets (MP-13): messy files in, every row accounted for, nothing imported twice."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from childsafe.core.models import AuditEvent
from childsafe.missing import importer
from childsafe.missing.models import MissingEpisode
from childsafe.people import services
from childsafe.people.models import WarningMarker

OUTCOME_KEYS = ("imported", "already_present", "unmatched", "invalid", "duplicate", "no_record_type")


@pytest.fixture
def children(db, ella, make_user):
    """Ella Hughes (with a firearms marker), Jayden Smith, two unlinked records of one Kai Brown, and
    Thomas Reed recorded twice and linked as the same child (PL-2)."""

    def child(forenames, surname, dob):
        return services.person_create(actor=None, forenames=forenames, surname=surname, date_of_birth=dob).person

    kids = {
        "ella": ella,
        "jayden": child("Jayden", "Smith", date(2008, 3, 4)),
        "kai_1": child("Kai", "Brown", date(2009, 7, 1)),
        "kai_2": child("Kai", "Brown", date(2009, 7, 1)),
        "thomas": child("Thomas", "Reed", date(2011, 9, 15)),
        "tom": child("Tom", "Reed", date(2011, 9, 15)),
    }
    services.identity_link(
        actor=make_user("mhet_lead", "mhet"),
        person=kids["thomas"],
        other=kids["tom"],
        rationale="Same child: school records confirm.",
    )
    return kids


def write_csv(path, rows, *, delimiter=",", encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path, rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


@pytest.fixture
def missing_csv(tmp_path):
    """A title row, a blank row, then headers in MHET's own words (and a column Childsafe doesn't need)."""
    return write_csv(
        tmp_path / "missing log.csv",
        [
            ["MHET missing children log 2023-24", "", "", "", "", "", ""],  # row 1
            ["", "", "", "", "", "", ""],  # row 2
            ["Child's Name", "D.O.B", "Date/Time Reported", "Found", "Found At", "Notes", "Officer"],  # row 3
            ["Ella Hughes", "20/05/2014", "12/03/2023 21:30", "13/03/2023 02:15", "Whitby bus station",
             "With older males", "PC 123"],  # row 4: imported
            ["Ella Hughes", "20/05/2014", "12/03/2023 21:30", "13/03/2023 02:15", "Whitby bus station",
             "With older males", "PC 123"],  # row 5: duplicate of row 4
            ["HUGHS, Ela", "20/05/2014", "2023-04-01 18:00", "01/04/2023 11pm", "McDonald's, York", "", ""],  # 6
            ["Jayden Smith", "04/03/08", "5 January 2024 9.30pm", "", "", "", ""],  # row 7: no found time
            ["Zara Nobody", "01/01/2010", "01/02/2023 10:00", "01/02/2023 12:00", "", "", ""],  # row 8: unknown
            ["Kai Brown", "01/07/2009", "03/02/2023 10:00", "", "", "", ""],  # row 9: two records
            ["", "01/01/2010", "04/02/2023 10:00", "", "", "", ""],  # row 10: blank name
            ["Jayden Smith", "31/02/2020", "05/02/2023 10:00", "", "", "", ""],  # row 11: bad DOB
            ["Ella Hughes", "20/05/2014", "next tuesday", "", "", "", ""],  # row 12: bad reported
            ["Ella Hughes", "20/05/2014", "10/06/2023 20:00", "09/06/2023 20:00", "", "", ""],  # row 13: found first
            ["Tommy Reed", "15/09/2011", "20/07/2023 23:45", "21/07/2023 01:00", "Skipton station", "", ""],  # 14
            ["", "", "", "", "", "", ""],  # blank row: not counted
        ],
    )  # fmt: skip


@pytest.fixture
def exploitation_xlsx(tmp_path):
    serial = openpyxl.utils.datetime.to_excel(datetime(2008, 3, 4))
    return write_xlsx(
        tmp_path / "exploitation.xlsx",
        [
            ["Name", "DOB", "Risk Type", "Risk Level", "Notes"],  # row 1
            ["Ella Hughes", date(2014, 5, 20), "CSE", "High", "Seen with older males in cars"],  # 2: imported
            ["Jayden Smith", serial, "CCE / County lines", "medium", ""],  # 3: two markers, DOB as a day number
            ["Jayden Smith", datetime(2008, 3, 4), "CCE / County lines", "medium", ""],  # 4: duplicate of 3
            ["Nobody Known", date(2010, 1, 1), "CSE", "low", ""],  # 5: unknown
            ["Ella Hughes", date(2014, 5, 20), "Firearms", "high", ""],  # 6: not an exploitation risk
            ["Ella Hughes", date(2014, 5, 20), "CSE", "urgent", ""],  # 7: bad level
            [None, date(2012, 1, 1), "CCE", "high", ""],  # 8: blank name
            ["Jayden Smith", "31/02/2020", "CCE", "high", ""],  # 9: bad date
        ],
    )


@pytest.fixture
def concerns_csv(tmp_path):
    """Separate name columns, semicolons and Windows-1252, as Excel on a force laptop saves it."""
    return write_csv(
        tmp_path / "concerns.csv",
        [
            ["Forename", "Surname", "Date of birth", "Concern", "Notes"],  # row 1
            ["Ella", "Hughes", "2014-05-20", "Self-harm", "Café staff worried"],  # row 2: suicide marker
            ["Ella", "Hughes", "2014-05-20", "Firearms", ""],  # row 3: already has one
            ["Jayden", "Smith", "04/03/2008", "Radicalisation", ""],  # row 4: no record type
            ["Jayden", "Smith", "04/03/2008", "Drugs and radicalisation", ""],  # row 5: drugs marker + a note
            ["Zara", "Nobody", "01/01/2010", "Neglect", ""],  # row 6: unknown child, no record type
            ["Jayden", "Smith", "04/03/2008", "", ""],  # row 7: blank concern
            ["Zara", "Nobody", "01/01/2010", "Self-harm", ""],  # row 8: unknown child
        ],
        delimiter=";",
        encoding="cp1252",
    )


def outcomes(file_report):
    return {r.row: r for r in file_report.rows}


def assert_adds_up(file_report):
    counts = file_report.counts
    assert counts["rows_read"] == sum(counts[k] for k in OUTCOME_KEYS)
    assert counts["rows_read"] == len(file_report.rows) == len({r.row for r in file_report.rows})


@pytest.mark.django_db
def test_missing_log_every_row_accounted_for(children, missing_csv):
    report = importer.import_mhet(files={"missing": missing_csv})
    log = report.file("missing")
    rows = outcomes(log)
    assert sorted(rows) == list(range(4, 15))
    assert_adds_up(log)
    assert log.counts == {
        "rows_read": 11,
        "imported": 4,
        "already_present": 0,
        "unmatched": 2,
        "invalid": 4,
        "duplicate": 1,
        "no_record_type": 0,
    }
    assert {n for n, r in rows.items() if r.outcome == "imported"} == {4, 6, 7, 14}
    assert rows[5].outcome == "duplicate" and "row 4" in rows[5].reason
    assert rows[8].outcome == "unmatched" and "No record in Childsafe matches" in rows[8].reason
    assert rows[9].outcome == "unmatched" and "More than one record" in rows[9].reason
    assert str(children["kai_1"].pk) in rows[9].reason and str(children["kai_2"].pk) in rows[9].reason
    assert rows[10].outcome == "invalid" and "name is blank" in rows[10].reason
    assert rows[11].outcome == "invalid" and "'31/02/2020'" in rows[11].reason and "not a real date" in rows[11].reason
    assert rows[12].outcome == "invalid" and "'next tuesday'" in rows[12].reason
    assert rows[13].outcome == "invalid" and "before the reported time" in rows[13].reason
    # The row's own values travel with it, under MHET's headings.
    assert rows[11].values["D.O.B"] == "31/02/2020" and rows[11].values["Child's Name"] == "Jayden Smith"
    assert log.ignored_columns == ["Officer"]
    # Imported rows needing a check say so (no found time: still missing?); the notes are kept on the episode.
    assert "still missing" in rows[7].warning
    assert rows[4].warning == ""

    ella = MissingEpisode.objects.filter(person=children["ella"]).order_by("reported_at")
    assert [(e.reported_at, e.found_at, e.imported, e.closed_at is not None) for e in ella] == [
        (datetime(2023, 3, 12, 21, 30, tzinfo=UTC), datetime(2023, 3, 13, 2, 15, tzinfo=UTC), True, True),
        # The misspelt "HUGHS, Ela" is still Ella; 18:00 BST is 17:00 UTC.
        (datetime(2023, 4, 1, 17, 0, tzinfo=UTC), datetime(2023, 4, 1, 22, 0, tzinfo=UTC), True, True),
    ]
    assert str(ella[0].found_location) == "Whitby bus station"
    assert ella[0].circumstances == "With older males"
    assert ella[0].reported_by == "MHET missing children log row 4"
    jayden = MissingEpisode.objects.get(person=children["jayden"])
    assert jayden.reported_at == datetime(2024, 1, 5, 21, 30, tzinfo=UTC) and jayden.found_at is None
    assert jayden.closed_at is not None
    # "Tommy Reed" is close to both Reed records, but they are linked as one child (PL-2).
    assert MissingEpisode.objects.filter(person__in=[children["thomas"], children["tom"]]).count() == 1
    assert rows[14].person_id in (children["thomas"].pk, children["tom"].pk)


@pytest.mark.django_db
def test_exploitation_log_from_excel_becomes_markers(children, exploitation_xlsx):
    report = importer.import_mhet(files={"exploitation": exploitation_xlsx})
    log = report.file("exploitation")
    rows = outcomes(log)
    assert_adds_up(log)
    assert log.counts["rows_read"] == 8
    assert {n for n, r in rows.items() if r.outcome == "imported"} == {2, 3}
    assert rows[4].outcome == "duplicate"
    assert rows[5].outcome == "unmatched"
    assert rows[6].outcome == "invalid" and "'Firearms'" in rows[6].reason
    assert rows[7].outcome == "invalid" and "'urgent' is not high, medium or low" in rows[7].reason
    assert rows[8].outcome == "invalid" and "name is blank" in rows[8].reason
    assert rows[9].outcome == "invalid" and "not a real date" in rows[9].reason

    cse = WarningMarker.objects.get(person=children["ella"], type="cse")
    assert cse.source == "MHET exploitation log row 2"
    assert "level high" in cse.notes and "older males" in cse.notes
    jayden = WarningMarker.objects.filter(person=children["jayden"])
    assert sorted(jayden.values_list("type", flat=True)) == ["cce", "county_lines"]
    assert set(jayden.values_list("source", flat=True)) == {"MHET exploitation log row 3"}


@pytest.mark.django_db
def test_concerns_become_markers_only_where_childsafe_has_one(children, concerns_csv):
    report = importer.import_mhet(files={"concerns": concerns_csv})
    log = report.file("concerns")
    rows = outcomes(log)
    assert_adds_up(log)
    assert log.counts == {
        "rows_read": 7,
        "imported": 2,
        "already_present": 1,
        "unmatched": 1,
        "invalid": 1,
        "duplicate": 0,
        "no_record_type": 2,
    }
    assert rows[2].outcome == "imported"
    assert WarningMarker.objects.get(person=children["ella"], type="suicide").notes.endswith("Café staff worried")
    assert rows[3].outcome == "already_present" and "Intelligence log 4471" in rows[3].reason
    assert WarningMarker.objects.filter(person=children["ella"], type="firearms").count() == 1
    assert rows[4].outcome == "no_record_type" and "'Radicalisation'" in rows[4].reason
    assert rows[4].person_id == children["jayden"].pk
    assert rows[5].outcome == "imported" and "'radicalisation'" in rows[5].warning
    assert WarningMarker.objects.filter(person=children["jayden"], type="drugs").exists()
    # Unknown child and a concern with no marker: still reported, with both problems.
    assert rows[6].outcome == "no_record_type" and "No record in Childsafe matches" in rows[6].reason
    assert rows[7].outcome == "invalid" and "concern is blank" in rows[7].reason
    assert rows[8].outcome == "unmatched" and "No record in Childsafe matches" in rows[8].reason


def db_state():
    return (
        MissingEpisode.objects.count(),
        WarningMarker.objects.count(),
        AuditEvent.objects.exclude(event_type="mhet.import").count(),
    )


@pytest.mark.django_db
def test_running_again_imports_nothing_new(children, missing_csv, exploitation_xlsx, concerns_csv):
    files = {"missing": missing_csv, "exploitation": exploitation_xlsx, "concerns": concerns_csv}
    first = importer.import_mhet(files=files)
    after_first = db_state()
    second = importer.import_mhet(files=files)
    assert db_state() == after_first
    for kind in files:
        before, again = first.file(kind).counts, second.file(kind).counts
        assert again["imported"] == 0
        assert again["already_present"] == before["imported"] + before["already_present"]
        assert again["rows_read"] == before["rows_read"]
        assert_adds_up(second.file(kind))
    # One audit event per run, with the counts.
    runs = AuditEvent.objects.filter(event_type="mhet.import").order_by("id")
    assert runs.count() == 2
    assert runs[0].channel == "cli" and runs[0].category == "collection" and runs[0].actor is None
    assert runs[0].new_values["files"]["missing"]["imported"] == 4
    assert runs[1].new_values["files"]["missing"]["already_present"] == 4


@pytest.mark.django_db
def test_dry_run_changes_nothing_but_reports_the_same(children, missing_csv, exploitation_xlsx, concerns_csv):
    files = {"missing": missing_csv, "exploitation": exploitation_xlsx, "concerns": concerns_csv}
    before = db_state()
    runs_before = AuditEvent.objects.filter(event_type="mhet.import").count()
    dry = importer.import_mhet(files=files, dry_run=True)
    assert db_state() == before
    assert AuditEvent.objects.filter(event_type="mhet.import").count() == runs_before
    real = importer.import_mhet(files=files)
    assert [f.counts for f in dry.files] == [f.counts for f in real.files]
    assert dry.file("missing").counts["imported"] == 4


@pytest.mark.django_db
def test_command_prints_the_sums_and_writes_the_report(children, missing_csv, exploitation_xlsx, tmp_path, capsys):
    out_path = tmp_path / "report.csv"
    call_command("import_mhet", missing=str(missing_csv), exploitation=str(exploitation_xlsx), report=str(out_path))
    printed = capsys.readouterr().out
    assert "rows read 11 = imported 4 + already present 0 + not matched 2 + invalid 4 + duplicate 1" in printed
    assert "rows read 8 = imported 2 + already present 0 + not matched 1 + invalid 4 + duplicate 1" in printed
    with open(out_path, encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.DictReader(fh))
    assert len(lines) == 11 + 8
    bad_date = next(r for r in lines if r["log"] == "missing children log" and r["row"] == "11")
    assert bad_date["outcome"] == "invalid" and bad_date["file"] == "missing log.csv"
    assert "31/02/2020" in bad_date["values"] and "not a real date" in bad_date["reason"]

    call_command("import_mhet", missing=str(missing_csv), dry_run=True)
    printed = capsys.readouterr().out
    assert "dry run" in printed and "imported 0 + already present 4" in printed
    assert "missing children log row 10: invalid: The name is blank" in printed


@pytest.mark.django_db
def test_a_file_without_the_columns_stops_the_import_before_any_write(children, missing_csv, tmp_path):
    wrong = write_csv(tmp_path / "wrong.csv", [["Ref", "Officer"], ["1", "PC 1"]])
    before = db_state()
    with pytest.raises(CommandError, match="no header row with the columns"):
        call_command("import_mhet", missing=str(missing_csv), concerns=str(wrong))
    assert db_state() == before
    with pytest.raises(CommandError, match="Give at least one file"):
        call_command("import_mhet")
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(CommandError, match=r"\.xls workbook: open it in Excel and save it as \.xlsx"):
        call_command("import_mhet", exploitation=str(old))
    with pytest.raises(CommandError, match="doesn't exist"):
        call_command("import_mhet", exploitation=str(tmp_path / "nowhere.csv"))


def test_formula_looking_values_are_defused_in_the_report():
    assert importer._cell_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert importer._cell_safe("Ella") == "Ella"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("27/03/2009", date(2009, 3, 27)),
        ("27/03/09", date(2009, 3, 27)),
        ("01/02/95", date(1995, 2, 1)),
        ("2009-03-27", date(2009, 3, 27)),
        ("3rd March 2020", date(2020, 3, 3)),
        ("27-Mar-09", date(2009, 3, 27)),
    ],
)
def test_uk_dates(text, expected):
    assert importer.parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2020", "next tuesday", "03/27/2009", "2009", ""])
def test_not_dates(text):
    with pytest.raises(ValueError):
        importer.parse_date(text)


@pytest.mark.parametrize(
    ("value", "time_value", "expected"),
    [
        ("12/03/2023 21:30", None, datetime(2023, 3, 12, 21, 30, tzinfo=UTC)),  # GMT
        ("12/07/2023 21:30", None, datetime(2023, 7, 12, 20, 30, tzinfo=UTC)),  # BST
        ("12/07/2023", "9.30pm", datetime(2023, 7, 12, 20, 30, tzinfo=UTC)),
        ("12/07/2023", time(9, 5), datetime(2023, 7, 12, 8, 5, tzinfo=UTC)),
        (datetime(2023, 1, 2, 3, 4), None, datetime(2023, 1, 2, 3, 4, tzinfo=UTC)),
        ("2023-01-02T03:04:00", None, datetime(2023, 1, 2, 3, 4, tzinfo=UTC)),
        ("02/01/2023 at 3am", None, datetime(2023, 1, 2, 3, 0, tzinfo=UTC)),
        ("02/01/2023", None, datetime(2023, 1, 2, 0, 0, tzinfo=UTC)),
    ],
)
def test_uk_local_times(value, time_value, expected):
    assert importer.to_local_datetime(value, time_value) == expected


@pytest.mark.parametrize(
    ("text", "types", "unknown"),
    [
        ("CSE", ["cse"], []),
        ("CCE / county lines", ["cce", "county_lines"], []),
        ("Risk of child sexual exploitation", ["cse"], []),
        ("Self-harm and radicalisation", ["suicide"], ["radicalisation"]),
        ("Missing education", [], ["Missing education"]),
        ("Asked to send images", [], ["Asked to send images"]),
    ],
)
def test_concerns_map_to_markers_by_whole_term(text, types, unknown):
    assert importer.marker_types_named(text, importer.CONCERN_TERMS) == (types, unknown)


@pytest.mark.parametrize(
    ("header", "field"),
    [("DOB", "dob"), ("D.O.B", "dob"), ("d.o.b.", "dob"), ("Date of Birth", "dob"), ("Child's name", "name")],
)
def test_header_variants(header, field):
    columns, ignored = importer._find_columns("missing", [header])
    assert columns == {field: 0} and ignored == []


@pytest.mark.django_db
def test_matching_a_misspelt_name_a_near_miss_and_a_linked_pair(children):
    misspelt = importer.match_child("Ela", "Hughs", date(2014, 5, 20))
    assert misspelt.person == children["ella"] and "score" in misspelt.reason
    near = importer.match_child("Ella", "Hughes", date(2014, 5, 21))
    assert near.person is None and f"The nearest is record {children['ella'].pk}" in near.reason
    linked = importer.match_child("Tommy", "Reed", date(2011, 9, 15))
    assert linked.person in (children["thomas"], children["tom"])
    exact = importer.match_child("Tom", "Reed", date(2011, 9, 15))
    assert exact.person == children["tom"] and exact.reason == "exact name and date of birth"


@pytest.mark.django_db
def test_a_missing_episode_before_the_child_was_born_is_refused(children, tmp_path):
    path = write_csv(
        tmp_path / "missing.csv",
        [
            ["Child's Name", "D.O.B", "Date/Time Reported", "Found"],
            ["Ella Hughes", "20/05/2014", "12/03/2013 21:30", "13/03/2013 02:15"],  # a year before her birth
        ],
    )
    row = importer.import_mhet(files={"missing": path}).file("missing").rows[0]
    assert row.outcome == "invalid" and "before the child's date of birth" in row.reason
    assert not MissingEpisode.objects.exists()


@pytest.mark.django_db
def test_the_missing_log_keeps_when_and_where_the_child_was_last_seen(children, tmp_path):
    path = write_csv(
        tmp_path / "last seen.csv",
        [
            ["Name", "DOB", "Reported", "Last seen", "Last seen at", "Found", "Notes"],
            ["Ella Hughes", "20/05/2014", "12/03/2023 21:30", "12/03/2023 19:00", "Hill Primary gates",
             "13/03/2023 02:15", "Left with two older males"],
            ["Jayden Smith", "04/03/2008", "05/01/2024 21:30", "06/01/2024 08:00", "Home", "", ""],
        ],
    )  # fmt: skip
    rows = outcomes(importer.import_mhet(files={"missing": path}).file("missing"))
    assert rows[2].outcome == "imported" and rows[3].outcome == "invalid"
    assert "last-seen time is after the reported time" in rows[3].reason
    episode = MissingEpisode.objects.get(person=children["ella"])
    assert episode.last_seen_at == datetime(2023, 3, 12, 19, 0, tzinfo=UTC)
    assert episode.last_seen_place == "Hill Primary gates" and episode.circumstances == "Left with two older males"
    assert not MissingEpisode.objects.filter(person=children["jayden"]).exists()


@pytest.mark.django_db(transaction=True)
def test_a_real_import_commits_batch_by_batch_and_says_how_far_it_has_got(children, missing_csv, monkeypatch):
    """Issue 10, item 6 (ADR 0044): the audit chain's tail is locked by every write, record views included,
    so a long import must not hold one transaction open; a dry run stays one transaction, rolled back."""
    from django.db import connection

    monkeypatch.setattr(importer, "BATCH_ROWS", 4)
    seen = []

    def progress(kind, done, total):
        seen.append((kind, done, total, connection.in_atomic_block))

    report = importer.import_mhet(files={"missing": missing_csv}, progress=progress)
    assert seen == [("missing", 4, 11, False), ("missing", 8, 11, False), ("missing", 11, 11, False)]
    assert report.file("missing").counts["imported"] == 4  # the same outcome as in one go

    seen.clear()
    dry = importer.import_mhet(files={"missing": missing_csv}, dry_run=True, progress=progress)
    assert [s[3] for s in seen] == [True, True, True]
    assert dry.file("missing").counts["already_present"] == 4


@pytest.mark.django_db
def test_the_command_shows_progress_on_stderr(children, missing_csv, capsys):
    call_command("import_mhet", missing=str(missing_csv))
    assert "missing children log: 11 of 11 rows" in capsys.readouterr().err
