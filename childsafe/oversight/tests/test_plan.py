"""QG-2 case audits and QG-4 the action plan with its evidence, through services and pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.test import Client

from childsafe.core import clock, engine
from childsafe.core.errors import AccessDenied, InvalidInput, RuleRefusal
from childsafe.core.models import Alert, AuditCategory, AuditEvent
from childsafe.investigations import services as inv_services
from childsafe.oversight import services
from childsafe.oversight.models import Action, CaseAudit, Recommendation
from conftest import PASSWORD

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def people(make_user, personas):
    return {
        **personas,
        "leader": make_user("supt_lead", "senior_leader"),
        "gold": make_user("acc_gold", "senior_leader", first_name="Alex", last_name="Gold"),
        "silver": make_user("ci_silver", "senior_leader", first_name="Sam", last_name="Silver"),
        "investigator": make_user("dc_city", "investigator", "city"),
    }


@pytest.fixture
def evidence_dir(settings, tmp_path):
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    return settings.EVIDENCE_DIR


@pytest.fixture
def investigation(people, ella):
    opened = inv_services.investigation_open(
        actor=people["investigator"], type="neglect", victims=[ella], suspects=[], summary="Neglect at home"
    )
    inv = opened.record
    type(inv).objects.filter(pk=inv.pk).update(officer=people["investigator"], supervisor=people["supervisor"])
    inv.refresh_from_db()
    return inv


@pytest.mark.django_db
def test_the_monthly_sample_is_picked_by_the_system_per_area_and_type_once(people, investigation):
    month = clock.today_london().replace(day=1)
    made = services.case_audit_sample(actor=people["leader"], month=month)
    assert [(m.case_type, m.subject_id, m.area_id) for m in made] == [
        ("investigation", str(investigation.pk), investigation.area_id)
    ]
    assert services.case_audit_sample(actor=people["leader"], month=month) == []  # the same sample, nothing added
    with pytest.raises(AccessDenied):
        services.case_audit_sample(actor=people["officer"], month=month)


@pytest.mark.django_db
def test_an_inadequate_grade_goes_back_to_the_officer_and_supervisor_until_they_respond(people, investigation):
    with pytest.raises(InvalidInput) as refused:
        services.case_audit_record(actor=people["leader"], subject=investigation, grade="awful", findings="")
    assert set(refused.value.errors) == {"grade"}
    with pytest.raises(InvalidInput) as refused:
        services.case_audit_record(actor=people["leader"], subject=investigation, grade="inadequate", findings=" ")
    assert set(refused.value.errors) == {"findings"}
    assert not CaseAudit.objects.exists()

    graded = services.case_audit_record(
        actor=people["leader"], subject=investigation, grade="inadequate", findings="No supervision for 40 days."
    )
    engine.sweep(use_lease=False)
    owners = set(Alert.objects.open().filter(rule_id="QG-2").values_list("owner_user__username", flat=True))
    assert owners == {"dc_city", "sgt_city"}

    with pytest.raises(AccessDenied):
        services.case_audit_respond(actor=people["officer"], case_audit=graded, response="Not mine")
    services.case_audit_respond(actor=people["investigator"], case_audit=graded, response="Reviewed with the DS.")
    engine.sweep(use_lease=False)
    assert not Alert.objects.open().filter(rule_id="QG-2").exists()

    page = client_for(people["leader"]).get("/oversight/dashboard/")
    assert 'data-testid="table-audits"' in page.content.decode()


@pytest.fixture
def action(people):
    return services.action_create(
        actor=people["leader"],
        recommendation=Recommendation.objects.get(reference="R6"),
        description="Audit 20 investigations a month",
        due_on=clock.today_london() + timedelta(days=30),
        gold=people["gold"],
        silver=people["silver"],
    )


@pytest.mark.django_db
def test_the_recommendations_review_findings_and_areas_for_improvement_are_preloaded(people):
    kinds = dict(Recommendation.objects.values_list("kind").annotate(n=Count("id")).order_by().values_list("kind", "n"))
    assert kinds == {"recommendation": 10, "finding": 18, "afi": 10}
    assert "Operation Encompass" in Recommendation.objects.get(reference="PIR-9").text
    page = client_for(people["leader"]).get("/oversight/action-plan/").content.decode()
    # Three parts, each in the report's order (R2 before R10).
    headings = ("recommendations</h2>", "review&#x27;s findings</h2>", "Areas for improvement</h2>")
    parts = [page.index(h) for h in headings]
    assert parts == sorted(parts)
    assert page.index('id="R2"') < page.index('id="R10"') < page.index('id="PIR-1"') < page.index('id="AFI-1"')


@pytest.mark.django_db
def test_an_action_is_complete_only_with_evidence_of_an_allowed_type_and_size(people, action, evidence_dir):
    silver = people["silver"]
    with pytest.raises(RuleRefusal) as refused:
        services.action_complete(actor=silver, action=action, version=action.version)
    assert refused.value.rule_id == "QG-4"
    fake = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(InvalidInput) as refused:
        services.evidence_add(actor=silver, action=action, description="Plan", upload=fake)
    assert "PDF" in refused.value.errors["upload"]
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * services.MAX_EVIDENCE_BYTES, content_type="application/pdf")
    with pytest.raises(InvalidInput) as refused:
        services.evidence_add(actor=silver, action=action, description="Plan", upload=big)
    assert "10 MB" in refused.value.errors["upload"]
    with pytest.raises(AccessDenied):
        services.evidence_add(
            actor=people["leader"], action=action, description="x", dashboard_link="/oversight/dashboard/"
        )
    assert not action.evidence.exists() and not any(evidence_dir.glob("*")) if evidence_dir.exists() else True

    evidence = services.evidence_add(
        actor=silver, action=action, description="Audit results", upload=SimpleUploadedFile("audit.pdf", PDF)
    )
    assert (evidence_dir / evidence.file_path).read_bytes() == PDF and evidence.content_type == "application/pdf"
    done = services.action_complete(actor=silver, action=action, version=action.version)
    assert done.status == "complete"

    download = client_for(people["pfcc"]).get(f"/oversight/evidence/{evidence.pk}/")
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF
    assert AuditEvent.objects.filter(
        actor=people["pfcc"], event_type="action_plan.evidence_download", category=AuditCategory.DISCLOSURE
    ).exists()
    assert client_for(people["officer"]).get(f"/oversight/evidence/{evidence.pk}/").status_code == 403


@pytest.mark.django_db
def test_the_pfcc_reads_the_plan_but_cannot_change_it(people, action, evidence_dir):
    client = client_for(people["pfcc"])
    page = client.get(f"/oversight/action-plan/{action.pk}/")
    assert page.status_code == 200 and 'data-testid="complete"' not in page.content.decode()
    assert client.post(f"/oversight/action-plan/{action.pk}/", {"description": "x"}).status_code == 403
    assert "read only" in client.get("/oversight/action-plan/").content.decode()


@pytest.mark.django_db
def test_an_overdue_action_alerts_its_silver_owner(people, action):
    Action.objects.filter(pk=action.pk).update(due_on=clock.today_london() - timedelta(days=1))
    engine.sweep(use_lease=False)
    alert = Alert.objects.open().get(rule_id="QG-4")
    assert alert.owner_user == people["silver"]


@pytest.mark.django_db
def test_a_silver_owner_attaches_evidence_and_completes_through_the_page(people, action, evidence_dir):
    client = client_for(people["silver"])
    refused = client.post(f"/oversight/action-plan/{action.pk}/complete/", {"version": action.version}, follow=True)
    assert "Attach evidence before you mark the action complete" in refused.content.decode()
    client.post(
        f"/oversight/action-plan/{action.pk}/",
        {"description": "Figure at a date", "dashboard_link": "/oversight/dashboard/?start_0=1"},
    )
    done = client.post(f"/oversight/action-plan/{action.pk}/complete/", {"version": action.version}, follow=True)
    assert 'data-testid="status">Complete' in done.content.decode()


@pytest.mark.django_db
def test_an_area_auditor_cannot_grade_another_areas_case(people, investigation, make_user):
    graded = services.case_audit_record(actor=people["leader"], subject=investigation, grade="good", findings="")
    east = make_user("insp_east", "supervisor", "east")
    with pytest.raises(AccessDenied):
        services.case_audit_record(actor=east, case_audit=graded, grade="inadequate", findings="x")
    assert client_for(east).get(f"/oversight/case-audits/{graded.pk}/").status_code == 404
    assert CaseAudit.objects.get().grade == "good"


@pytest.mark.django_db
def test_an_empty_action_lists_every_problem_at_once(people):
    page = client_for(people["leader"]).post("/oversight/action-plan/R1/new/", {})
    text = page.content.decode()
    assert "<title>Error: " in text
    for message in ("Enter what will be done", "Enter the date the action is due", "Choose the gold owner"):
        assert message in text
    assert "Choose the silver owner" in text


@pytest.mark.django_db
def test_the_audit_lead_adds_rewords_and_retires_questions_versioned_and_audited(people):
    """QG-2: the questions are data a senior leader changes; a stale change is refused; each change is audited;
    a retired question is no longer asked but stays with the audits that answered it."""
    from childsafe.oversight.models import AuditCriterion

    leader = client_for(people["leader"])
    page = leader.post("/oversight/case-audits/questions/", {"case_type": "", "question": ""})
    assert page.status_code == 200
    body = page.content.decode()
    assert "<title>Error: " in body and "Choose the type of case" in body and "Enter the question" in body
    before = AuditCriterion.objects.count()
    page = leader.post(
        "/oversight/case-audits/questions/",
        {"case_type": "missing", "question": "Was a trigger plan in place for a child missing often?"},
    )
    assert page.status_code == 302
    row = AuditCriterion.objects.get(question__startswith="Was a trigger plan")
    assert AuditCriterion.objects.count() == before + 1 and row.case_type == "missing" and row.active
    url = f"/oversight/case-audits/questions/{row.pk}/"
    assert leader.post(url, {"action": "save", "question": "Was a current trigger plan in place?", "version": 1})[
        "Location"
    ].endswith("/questions/")
    row.refresh_from_db()
    assert (row.question, row.version) == ("Was a current trigger plan in place?", 2)
    # A page opened before that change is stale: refused, and nothing changes.
    stale = leader.post(url, {"action": "save", "question": "Something else?", "version": 1})
    assert stale.status_code == 200 and "Someone changed this question" in stale.content.decode()
    stale = leader.post(url, {"action": "retire", "version": 1})
    row.refresh_from_db()
    assert (row.question, row.active, row.version) == ("Was a current trigger plan in place?", True, 2)
    leader.post(url, {"action": "retire", "version": 2})
    row.refresh_from_db()
    assert not row.active
    # Retired: not asked when a missing episode is graded, still listed (as retired) for the lead.
    listing = leader.get("/oversight/case-audits/questions/").content.decode()
    assert "Was a current trigger plan in place?" in listing and "Retired" in listing
    events = list(
        AuditEvent.objects.filter(event_type__startswith="case_audit.criterion").values_list("event_type", flat=True)
    )
    assert sorted(events) == ["case_audit.criterion_add", "case_audit.criterion_change", "case_audit.criterion_change"]
    # Nobody but a senior leader changes them.
    supervisor = client_for(people["supervisor"])
    assert supervisor.get("/oversight/case-audits/questions/").status_code == 403
    assert supervisor.post(url, {"action": "restore", "version": 3}).status_code == 403
    row.refresh_from_db()
    assert not row.active


@pytest.mark.django_db
def test_a_retired_question_is_not_asked_when_grading(people, investigation):
    from childsafe.oversight.models import AuditCriterion

    question = AuditCriterion.objects.filter(case_type="investigation", active=True).first()
    services.criterion_change(actor=people["leader"], criterion=question, version=question.version, active=False)
    month = clock.today_london().replace(day=1)
    row = services.case_audit_sample(actor=people["leader"], month=month)[0]
    page = client_for(people["leader"]).get(f"/oversight/case-audits/{row.pk}/").content.decode()
    assert question.question not in page
    assert AuditCriterion.objects.filter(case_type="investigation", active=True).first().question in page


@pytest.mark.django_db
def test_the_audit_lead_reorders_the_questions_and_a_stale_move_is_refused(people):
    from childsafe.oversight.models import AuditCriterion

    def order() -> list[str]:
        return list(AuditCriterion.objects.filter(case_type="missing").values_list("question", flat=True))

    leader = client_for(people["leader"])
    before = order()
    assert len(before) >= 3
    second = AuditCriterion.objects.get(case_type="missing", question=before[1])
    listing = leader.get("/oversight/case-audits/questions/").content.decode()
    assert "Move up" in listing and "Move down" in listing
    url = f"/oversight/case-audits/questions/{second.pk}/"
    moved = leader.post(url, {"action": "up", "version": second.version}, follow=True)
    assert "The question is moved up" in moved.content.decode()
    assert order() == [before[1], before[0], *before[2:]]
    # The page that showed the old version is stale: refused, the order stays, the lead is told why.
    stale = leader.post(url, {"action": "down", "version": second.version}, follow=True)
    assert "Someone changed this question" in stale.content.decode()
    assert order() == [before[1], before[0], *before[2:]]
    # Already first: it can't go higher, and says so.
    second.refresh_from_db()
    top = leader.post(url, {"action": "up", "version": second.version}, follow=True)
    assert "already the first" in top.content.decode() and order()[0] == before[1]
    assert AuditEvent.objects.filter(event_type="case_audit.criterion_move").count() == 1
    # Nobody but a senior leader moves them.
    assert client_for(people["supervisor"]).post(url, {"action": "down", "version": second.version}).status_code == 403
    assert order()[0] == before[1]
