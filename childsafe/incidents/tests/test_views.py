"""The control-room pages through the Django test client: who may open them, what the intelligence
check shows, and that each guard's refusal (CR-1, CR-2, MP-7) is shown on the form it came from."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from childsafe.core.models import Approval, Team
from childsafe.incidents import services
from childsafe.incidents.models import Incident
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def record(actor, child, *, type="child_concern", present=True, grade=2):
    return services.incident_record(
        actor=actor,
        type=type,
        grade=grade,
        location="12 Mill Street, York",
        summary="Neighbour heard shouting and a child crying.",
        children=[services.ChildOnIncident(child, present=present, resident=True)],
    ).incident


@pytest.fixture
def incident(personas, ella):
    return record(personas["handler"], ella)


def test_open_incidents_for_the_control_room_not_a_school(client, personas, incident):
    response = signed_in(client, personas["handler"]).get(reverse("incidents:list"))
    assert response.status_code == 200
    page = text(response)
    assert incident.reference in page and "Ella Hughes" in page and "2 Priority" in page
    assert signed_in(client, personas["right_school"]).get(reverse("incidents:list")).status_code == 403
    assert signed_in(client, personas["pfcc"]).get(reverse("incidents:list")).status_code == 403


def test_closed_incidents_leave_the_list(client, personas, incident):
    services.incident_close(actor=personas["handler"], incident=incident, outcome="Words of advice given.")
    assert incident.reference not in text(signed_in(client, personas["handler"]).get(reverse("incidents:list")))


def test_incident_page_is_refused_to_partners(client, personas, incident):
    url = reverse("incidents:detail", args=[incident.pk])
    assert signed_in(client, personas["right_school"]).get(url).status_code == 403
    assert signed_in(client, personas["local_authority"]).get(url).status_code == 403
    assert signed_in(client, personas["officer"]).get(url).status_code == 200


def test_record_an_incident_then_see_the_intelligence_check(client, personas, ella):
    client = signed_in(client, personas["handler"])
    assert client.get(reverse("incidents:create")).status_code == 200
    response = client.post(
        reverse("incidents:create"),
        {
            "type": "child_concern",
            "grade": "2",
            "location": "12 Mill Street, York",
            "summary": "Caller worried about Ella, who is alone at home.",
            "child_1": ella.pk,
            "resident_1": "on",
            "checked": str(ella.pk),  # the check was shown for Ella (CR-4)
            "action": "record",
        },
    )
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response.url.startswith(reverse("incidents:detail", args=[incident.pk]))
    child = incident.people.get()
    assert child.person == ella and child.present is False and child.resident is True
    page = text(client.get(response.url))
    assert f"Incident {incident.reference} recorded." in page
    assert 'data-testid="high-harm"' in page and "Firearms" in page
    assert "Intelligence log 4471" in page  # the marker's source, as stored when it was shown
    assert 'data-rule="CR-3"' in page  # prompted to THRIVE
    # Shown once: the prompt does not come back on the next visit.
    assert 'data-rule="CR-3"' not in text(client.get(response.url))


def test_recording_errors_are_shown_on_their_fields(client, personas):
    client = signed_in(client, personas["handler"])
    response = client.post(reverse("incidents:create"), {"type": "", "child_1": "abc"})
    page = text(response)
    assert "Choose the type of incident" in page
    assert "Choose child 1 again: search by name and choose them" in page
    response = client.post(reverse("incidents:create"), {"type": "other", "grade": "3", "child_1": 999999})
    page = text(response)
    assert "Choose child 1 again" in page
    response = client.post(reverse("incidents:create"), {"type": "other", "grade": "3", "location": "York"})
    assert "Enter the summary of what was reported." in text(response)
    assert 'id="id_summary-error"' in text(response)
    assert not Incident.objects.exists()


def test_a_call_handler_picks_the_child_by_name_without_javascript(client, personas, ella):
    client = signed_in(client, personas["handler"])
    url = reverse("incidents:create")
    typed = {"type": "other", "grade": "3", "location": "12 Mill Street, York", "summary": "Shouting heard"}
    page = text(client.post(url, {**typed, "child_1_q": "Ella Hughes", "child_1_search": "1"}))
    assert f'name="child_1" type="radio" value="{ella.pk}"' in page and "There is a problem" not in page
    assert 'value="12 Mill Street, York"' in page  # what was typed is kept
    assert not Incident.objects.exists()
    # The child chosen, the check comes first (CR-4); the grade is chosen with it in front of the handler.
    checked = client.post(url, {**typed, "child_1": ella.pk, "present_1": "on"})
    assert checked.status_code == 200 and 'data-testid="check-before-grade"' in text(checked)
    assert not Incident.objects.exists()
    response = client.post(url, {**typed, "child_1": ella.pk, "present_1": "on", "checked": str(ella.pk)})
    assert response.status_code == 302
    assert Incident.objects.get().people.filter(person=ella).exists()
    # From the child's page the child comes chosen.
    assert f'value="{ella.pk}" checked' in text(client.get(url, {"child": ella.pk}))


def test_online_abuse_prompts_for_evidence_advice(client, personas, ella):
    client = signed_in(client, personas["handler"])
    response = client.post(
        reverse("incidents:create"),
        {
            "type": "online_abuse",
            "grade": "2",
            "location": "Online",
            "summary": "Images shared.",
            "child_1": ella.pk,
            "checked": str(ella.pk),
        },
    )
    page = text(client.get(response.url))
    assert 'data-rule="CR-5"' in page
    assert Incident.objects.get().evidence_advice_given is False


def test_thrive_assessments_are_all_kept_newest_first(client, personas, incident):
    client = signed_in(client, personas["handler"])
    url = reverse("incidents:thrive", args=[incident.pk])
    response = client.post(url, {"thrive-threat": "Shouting heard"})
    assert response.status_code == 200
    assert "Enter the harm section." in text(response)
    assert 'id="id_thrive-harm-error"' in text(response)
    for threat in ("First assessment", "Second assessment"):
        data = {
            f"thrive-{k}": f"{threat} {k}"
            for k in ("threat", "harm", "risk", "investigation", "vulnerability", "engagement")
        }
        assert client.post(url, data).status_code == 302
    page = text(client.get(url))
    assert incident.thrives.count() == 2
    assert page.index("Second assessment threat") < page.index("First assessment threat")


def test_the_incident_page_is_a_summary_and_one_part_at_a_time(client, personas, incident):
    client = signed_in(client, personas["handler"])
    url = reverse("incidents:detail", args=[incident.pk])
    first = text(client.get(url))
    assert 'data-testid="incident-subnav"' in first and 'data-testid="incident-summary"' in first
    assert 'data-testid="markers"' in first and "Firearms" in first  # the children's markers on the summary
    assert "<form" not in first.split('id="main-content"')[1]  # no part's form on the summary
    for name, heading in [
        ("intelligence_check", "intelligence-heading"),
        ("thrive", "thrive-heading"),
        ("regrade", "grade-heading"),
        ("allocate", "allocation-heading"),
        ("close", "close-heading"),
    ]:
        part_url = reverse(f"incidents:{name}", args=[incident.pk])
        page = text(client.get(part_url))
        assert f'id="{heading}"' in page and 'data-testid="incident-summary"' not in page, name
        assert f'href="{part_url}" aria-current="page"' in page and page.count('aria-current="page"') == 1, name
    # The information form lives on the THRIVE part.
    information = client.get(reverse("incidents:add_information", args=[incident.pk]))
    assert information.url == reverse("incidents:thrive", args=[incident.pk])
    # A form sent back with errors shows its own part, at its own address.
    failed = client.post(reverse("incidents:close", args=[incident.pk]), {"close-outcome": ""})
    assert 'id="close-heading"' in text(failed) and "<title>Error: Close: Incident" in text(failed)
    # A saved form returns to its part.
    saved = client.post(reverse("incidents:add_information", args=[incident.pk]), {"info-text": "Neighbour rang back."})
    assert saved.url == reverse("incidents:thrive", args=[incident.pk])


def test_new_information_prompts_a_re_thrive(client, personas, incident):
    client = signed_in(client, personas["handler"])
    url = reverse("incidents:add_information", args=[incident.pk])
    assert "Enter the new information." in text(client.post(url, {"info-text": ""}))
    response = client.post(url, {"info-text": "Caller rang back: the child is now outside in the street."})
    assert response.status_code == 302
    page = text(client.get(response.url))
    assert 'data-rule="CR-3"' in page and "re-assess THRIVE" in page
    assert "now outside in the street" in page


def test_downgrading_needs_a_supervisor_cr1(client, personas, incident):
    """The downgrade waits on the supervisor's list and is decided by them, signed in as themselves."""
    handler_client = signed_in(client, personas["handler"])
    url = reverse("incidents:regrade", args=[incident.pk])
    form = {"regrade-grade": "3", "regrade-rationale": "Child safe with grandmother.", "regrade-version": "1"}
    # A typed name without the supervisor's password approves nothing.
    response = handler_client.post(url, {**form, "regrade-approver_username": "sgt_city"})
    assert response.status_code == 200 and "Enter the supervisor's username and password" in text(response)
    response = handler_client.post(
        url, {**form, "regrade-approver_username": "sgt_city", "regrade-approver_password": "guess"}
    )
    assert "The supervisor's username or password is not right." in text(response)
    assert not Approval.objects.exists()
    response = handler_client.post(url, form)
    assert response.status_code == 302
    assert "Sent for a supervisor's approval" in text(handler_client.get(response.url))
    incident.refresh_from_db()
    assert incident.grade == 2
    handler_client.logout()
    sgt = signed_in(client, personas["supervisor"])
    approvals_page = text(sgt.get(reverse("oversight:approvals")))
    approval = Approval.objects.get()
    assert f"Downgrade {incident.reference} from grade 2 to grade 3" in approvals_page
    assert "Child safe with grandmother." in approvals_page
    decide = reverse("oversight:approval_decide", args=[approval.pk])
    response = sgt.post(decide, {f"a{approval.pk}-version": "1"})
    page = text(response)
    assert page.count("govuk-error-summary__list") == 1
    assert "Choose whether you approve or refuse the request" in page and "Enter the reason for your decision" in page
    response = sgt.post(
        decide,
        {f"a{approval.pk}-version": "1", f"a{approval.pk}-decision": "approve", f"a{approval.pk}-reason": "Seen her."},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.grade == 3 and incident.grade_changes.get().approved_by == personas["supervisor"]


def test_a_supervisor_beside_the_handler_approves_with_their_own_password(client, personas, incident):
    handler_client = signed_in(client, personas["handler"])
    url = reverse("incidents:regrade", args=[incident.pk])
    response = handler_client.post(
        url,
        {
            "regrade-grade": "3",
            "regrade-rationale": "Child safe with grandmother.",
            "regrade-version": "1",
            "regrade-approver_username": "sgt_city",
            "regrade-approver_password": PASSWORD,
        },
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.grade == 3
    assert Approval.objects.get().decided_on == "beside"


def test_a_stale_regrade_is_refused(client, personas, incident):
    handler_client = signed_in(client, personas["handler"])
    url = reverse("incidents:regrade", args=[incident.pk])
    assert (
        handler_client.post(
            url, {"regrade-grade": "1", "regrade-rationale": "Knife", "regrade-version": "1"}
        ).status_code
        == 302
    )
    response = handler_client.post(url, {"regrade-grade": "4", "regrade-rationale": "x", "regrade-version": "1"})
    assert "Someone changed this incident a moment ago" in text(response)


def test_child_welfare_is_not_allocated_to_initial_inquiry_cr2(client, personas, incident):
    client = signed_in(client, personas["handler"])
    url = reverse("incidents:allocate", args=[incident.pk])
    inquiry = Team.objects.get(kind="initial_inquiry")
    response = client.post(url, {"allocate-team": inquiry.pk})
    assert response.status_code == 200
    assert "(CR-2)" in text(response)
    assert "Allocate to one team or one officer." in text(client.post(url, {}))
    assert client.post(url, {"allocate-user": "pc_city"}).status_code == 302
    incident.refresh_from_db()
    assert incident.allocated_user == personas["officer"]


def test_closing_concern_for_safety_offers_to_record_the_missing_episode_mp7(client, personas, ella):
    incident = record(personas["handler"], ella, type="concern_for_safety", present=False)
    client = signed_in(client, personas["handler"])
    url = reverse("incidents:close", args=[incident.pk])
    response = client.post(url, {"close-outcome": "Ella came home at 23:00."})
    assert response.status_code == 200
    page = text(response)
    assert "(MP-7)" in page
    link = f"{reverse('missing:report')}?child={ella.pk}&incident={incident.pk}"
    assert f'href="{link}"' in page
    assert "Record the missing episode" in page
    report = text(client.get(link))
    assert incident.reference in report and f'value="{ella.pk}"' in report
    incident.refresh_from_db()
    assert incident.is_open


def test_closing_with_a_supervisors_approval_and_closing_twice(client, personas, ella):
    incident = record(personas["handler"], ella, type="concern_for_safety", present=False)
    client = signed_in(client, personas["handler"])
    url = reverse("incidents:close", args=[incident.pk])
    response = client.post(
        url,
        {
            "close-outcome": "Ella was at her grandmother's all along; the caller was mistaken.",
            "close-reason": "She was never missing: her grandmother had told the school.",
            "close-approver_username": "sgt_city",
            "close-approver_password": PASSWORD,
        },
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert not incident.is_open and incident.closure_approved_by == personas["supervisor"]
    response = client.post(url, {"close-outcome": "Again."})
    assert "This incident is already closed." in text(response)
