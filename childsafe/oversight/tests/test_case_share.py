"""A named child's case shared with the PFCC's scrutiny team: a senior leader's decision with a reason; the
team reads it read-only, each reading a disclosure in the s62 log; without a share they are refused."""

from __future__ import annotations

import pytest
from django.test import Client

from childsafe.core.errors import AccessDenied, InvalidInput
from childsafe.core.models import AuditCategory, AuditEvent
from childsafe.oversight import services
from childsafe.oversight.models import CaseShare
from conftest import PASSWORD


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def leader(make_user):
    return make_user("supt_share", "senior_leader")


@pytest.mark.django_db
def test_the_pfcc_reads_a_shared_case_only_and_each_reading_is_a_disclosure(leader, personas, ella):
    pfcc = client_for(personas["pfcc"])
    # No share: the child's record and the shared-case page are both refused, and nothing is disclosed.
    assert pfcc.get(f"/people/{ella.pk}/").status_code in (403, 404)
    assert pfcc.get("/oversight/shared-cases/1/").status_code == 403
    assert "Ella" not in pfcc.get("/oversight/shared-cases/").content.decode()

    # The senior leader picks the child by name and says why.
    page = client_for(leader).post(
        "/oversight/shared-cases/",
        {"person": ella.pk, "reason": "The PFCC's case review of missing children asked for this case."},
    )
    assert page.status_code == 302
    share = CaseShare.objects.get()
    assert share.person_id == ella.pk and share.shared_by_id == leader.pk

    listing = pfcc.get("/oversight/shared-cases/").content.decode()
    assert "Ella Hughes" in listing
    page = pfcc.get(f"/oversight/shared-cases/{share.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Ella Hughes" in body and "read only" in body
    assert "<form" not in body.split('id="main-content"')[-1]  # nothing to change from here
    disclosed = AuditEvent.objects.filter(event_type="case_share.read", person_id=ella.pk)
    assert disclosed.count() == 1
    event = disclosed.get()
    assert event.category == AuditCategory.DISCLOSURE and "Commissioner" in event.recipient
    assert event.actor_id == personas["pfcc"].pk
    # The share itself is in the log too, as the disclosure decision with its reason.
    decided = AuditEvent.objects.get(event_type="case_share.share")
    assert decided.category == AuditCategory.DISCLOSURE and "case review" in decided.justification
    # The child's own record is still closed to them: the share opens this read-only page only.
    assert pfcc.get(f"/people/{ella.pk}/").status_code in (403, 404)

    # Withdrawn: refused again.
    client_for(leader).post(f"/oversight/shared-cases/{share.pk}/withdraw/")
    assert pfcc.get(f"/oversight/shared-cases/{share.pk}/").status_code == 403
    assert disclosed.count() == 1


@pytest.mark.django_db
def test_sharing_needs_a_child_and_a_reason_and_a_senior_leader(leader, personas, ella):
    page = client_for(leader).post("/oversight/shared-cases/", {"person": "", "reason": ""})
    body = page.content.decode()
    assert page.status_code == 200 and "<title>Error: " in body
    assert "Choose the child" in body and "Enter why" in body
    assert not CaseShare.objects.exists()
    with pytest.raises(InvalidInput):
        services.case_share(actor=leader, person=ella, reason="  ")
    for who in ("pfcc", "supervisor", "officer"):
        with pytest.raises(AccessDenied):
            services.case_share(actor=personas[who], person=ella, reason="Because")
        assert (
            client_for(personas[who])
            .post("/oversight/shared-cases/", {"person": ella.pk, "reason": "Because"})
            .status_code
            == 403
        )
    assert not CaseShare.objects.exists()
