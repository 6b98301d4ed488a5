"""The investigation pages through the Django test client: allocation with the candidate list (INV-1), the
supervision template, a suspect's access to children leading to the PPN form, bail, the DFU queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from childsafe.core import clock
from childsafe.investigations import services
from childsafe.investigations.models import Allocation, Bail, SuspectAccess
from childsafe.referrals.models import PpnRequirement

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_allocation_page_lists_skills_and_workload_and_refuses_the_untrained(client, inv, force):
    c = signed_in(client, force["ds_king"])
    page = c.get(reverse("investigations:allocate", args=[inv.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "CSE investigation" in html and "Not accredited for this type" in html
    refused = c.post(
        reverse("investigations:allocate", args=[inv.pk]),
        {"officer": force["det_new"].pk, "rationale": "", "version": inv.version},
    )
    assert refused.status_code == 200
    body = refused.content.decode()
    assert "<title>Error:" in body and "does not hold the accreditation" in body
    assert not Allocation.objects.exists()
    done = c.post(
        reverse("investigations:allocate", args=[inv.pk]),
        {"officer": force["det_ross"].pk, "rationale": "", "version": inv.version},
    )
    assert done.status_code == 302
    assert Allocation.objects.get().officer == force["det_ross"]


def test_a_stale_allocation_page_is_told_it_changed(client, inv, force):
    stale_version = inv.version
    services.investigation_allocate(actor=force["ds_shaw"], investigation=inv, officer=force["det_ross"])
    c = signed_in(client, force["ds_king"])
    response = c.post(
        reverse("investigations:allocate", args=[inv.pk]),
        {
            "officer": force["det_west"].pk,
            "rationale": "DC West knows the family from an earlier case.",
            "version": stale_version,
        },
    )
    assert response.status_code == 200 and "changed this investigation a moment ago" in response.content.decode()
    assert Allocation.objects.count() == 1


def test_a_constable_cannot_open_the_allocation_page(client, inv, force):
    assert signed_in(client, force["pc"]).get(reverse("investigations:allocate", args=[inv.pk])).status_code == 403


def test_the_supervision_page_refuses_a_superficial_entry(client, allocated, force):
    c = signed_in(client, force["ds_king"])
    due = (clock.now() + timedelta(days=20)).astimezone(clock.LONDON)
    response = c.post(
        reverse("investigations:supervise", args=[allocated.pk]),
        {
            "lines_of_enquiry": "Noted",
            "safeguarding_actions": "Strategy meeting held; PPN submitted for Chloe.",
            "other_children": "None known.",
            "next_review_on_0": due.day,
            "next_review_on_1": due.month,
            "next_review_on_2": due.year,
        },
    )
    assert response.status_code == 200 and "says nothing a reader could act on" in response.content.decode()


def test_recording_access_to_children_takes_the_officer_to_the_ppn_for_them(client, allocated, force, gary, chloe):
    c = signed_in(client, force["det_ross"])
    page = c.get(reverse("investigations:access", args=[allocated.pk]))
    assert page.status_code == 200 and "Chloe Barker" in page.content.decode()
    response = c.post(
        reverse("investigations:access", args=[allocated.pk]),
        {"suspect": gary.pk, "source": "household", "detail": "Chloe stays at his flat.", "children": [chloe.pk]},
    )
    record = SuspectAccess.objects.get()
    requirement = PpnRequirement.objects.get(subject_type="investigations.suspectaccess", subject_id=str(record.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("referrals:submit"))
    assert f"requirement={requirement.pk}" in response["Location"] and f"children={chloe.pk}" in response["Location"]
    form = c.get(response["Location"])
    assert form.status_code == 200 and "Chloe Barker" in form.content.decode()


def test_bail_ending_before_today_is_shown_as_an_error(client, allocated, force, gary):
    c = signed_in(client, force["det_ross"])
    past = (clock.now() - timedelta(days=3)).astimezone(clock.LONDON)
    response = c.post(
        reverse("investigations:bail", args=[allocated.pk]),
        {
            "suspect": gary.pk,
            "conditions": "No contact",
            "ends_on_0": past.day,
            "ends_on_1": past.month,
            "ends_on_2": past.year,
        },
    )
    assert response.status_code == 200 and "Bail must end after it was set" in response.content.decode()
    assert not Bail.objects.exists()


def test_the_dfu_queue_shows_the_backlog_by_age_and_priority_first(client, allocated, force):
    old = services.dfu_submit(actor=force["det_ross"], investigation=allocated, devices=["old phone"])
    clock.set_now(clock.now() + timedelta(days=40))
    services.dfu_submit(
        actor=force["det_ross"],
        investigation=allocated,
        devices=["new phone"],
        priority=True,
        reason="Chloe is still in contact with the suspect.",
    )
    page = signed_in(client, force["di_moss"]).get(reverse("investigations:dfu_queue"))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="backlog-chart"' in html
    assert html.index("new phone") < html.index("old phone"), "priority first"
    bands = {b.label: b.count for b in page.context["bands"]}
    assert bands["Under 30 days"] == 1 and bands["30 to 90 days"] == 1
    dfu = signed_in(client, force["vio"])
    dfu.post(reverse("investigations:dfu_start", args=[old.pk]))
    old.refresh_from_db()
    assert old.started_at is not None


def test_the_investigation_page_and_the_suspects_page_show_it(client, allocated, force, gary):
    c = signed_in(client, force["det_ross"])
    page = c.get(reverse("investigations:detail", args=[allocated.pk]))
    assert page.status_code == 200 and allocated.reference in page.content.decode()
    person = c.get(reverse("people:detail", args=[gary.pk]))
    assert person.status_code == 200 and allocated.reference in person.content.decode()


def test_opening_an_investigation_picks_people_by_name(client, force, chloe, gary):
    from childsafe.investigations.models import Investigation

    c = signed_in(client, force["pc"])
    found = c.get(reverse("investigations:open"), {"q": "Chloe Barker"})
    assert found.status_code == 200
    [(person, as_victim, _)] = [h for h in found.context["hits"] if h[0] == chloe]
    with_victim = c.get(as_victim)
    [(_, _, as_suspect)] = [h for h in c.get(as_victim + "&q=Gary+Lund").context["hits"] if h[0] == gary]
    assert "Chloe Barker" in with_victim.content.decode()
    page = c.get(as_suspect)
    blank = c.post(page.context["action"], {"type": "", "summary": ""})
    assert "<title>Error:" in blank.content.decode() and not Investigation.objects.exists()
    done = c.post(page.context["action"], {"type": "cse", "summary": "Chloe reports rape by a local man."})
    inv = Investigation.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("investigations:detail", args=[inv.pk])
    assert {ip.person for ip in inv.people.all()} == {chloe, gary}


def test_a_vio_offers_help_on_the_page_and_only_the_officer_in_the_case_may_answer(client, allocated, force):
    from childsafe.investigations.models import VioOffer

    vio = signed_in(client, force["vio"])
    assert vio.get(reverse("investigations:detail", args=[allocated.pk])).status_code == 200
    vio.post(reverse("investigations:vio_offer", args=[allocated.pk]), {"message": "Victim identification can help."})
    offer = VioOffer.objects.get()
    sergeant = signed_in(client, force["ds_king"])
    refused = sergeant.post(
        reverse("investigations:vio_respond", args=[allocated.pk, offer.pk]), {"response": "accepted"}
    )
    assert "Only the officer in the case" in refused.content.decode()
    officer = signed_in(client, force["det_ross"])
    done = officer.post(reverse("investigations:vio_respond", args=[allocated.pk, offer.pk]), {"response": "accepted"})
    assert done.status_code == 302
    offer.refresh_from_db()
    assert offer.response == "accepted" and offer.responded_by == force["det_ross"]


def test_forensic_submission_returned_and_resubmitted_on_the_page(client, allocated, force):
    from childsafe.investigations.models import ForensicSubmission

    c = signed_in(client, force["det_ross"])
    url = reverse("investigations:forensic", args=[allocated.pk])
    c.post(url, {"action": "submit", "item": "Intimate swabs"})
    sub = ForensicSubmission.objects.get()
    c.post(url, {"action": "return", "submission": sub.pk, "reason": "Wrong forms."})
    sub.refresh_from_db()
    assert sub.returned_at and sub.resubmit_due_at
    page = c.get(reverse("investigations:detail", args=[allocated.pk])).content.decode()
    assert "resubmit by" in page
    c.post(url, {"action": "resubmit", "submission": sub.pk})
    sub.refresh_from_db()
    assert sub.resubmitted_at is not None


def test_the_intelligence_check_and_chronology_show_open_investigations_and_bail(allocated, force, gary):
    from childsafe.people import chronology, intelligence

    services.bail_set(
        actor=force["det_ross"],
        investigation=allocated,
        suspect=gary,
        conditions="Not to contact the victim",
        ends_at=clock.now() + timedelta(days=28),
    )
    picture = intelligence.picture(gary)
    [section] = [s for s in picture.sections if s.key == "investigations"]
    assert any(allocated.reference in item for item in section.items)
    assert any("On bail until" in item for item in section.items)
    assert "suspect" in section.warning
    entries = chronology.chronology([gary.pk])
    assert any(allocated.reference in e.title for e in entries) and any(e.kind == "bail" for e in entries)


def test_a_childs_chronology_shows_a_suspects_access_on_her_own_record(client, allocated, force, gary, kids):
    from childsafe.people import chronology

    services.suspect_access_record(
        actor=force["det_ross"],
        investigation=allocated,
        suspect=gary,
        source="household",
        detail="Lives with her.",
        children=kids[:1],
    )
    [entry] = [e for e in chronology.chronology([kids[0].pk]) if "access to children" in e.title]
    assert entry.person_id == kids[0].pk
    page = signed_in(client, force["det_ross"]).get(reverse("people:detail", args=[kids[0].pk])).content.decode()
    assert "access to children" in page and "linked record None" not in page


def test_overrides_are_counted_for_supervisors(client, inv, force):
    services.investigation_allocate(
        actor=force["ds_king"],
        investigation=inv,
        officer=force["det_new"],
        rationale="Both accredited officers are on leave; DC New is mentored daily by DS King.",
    )
    page = signed_in(client, force["ds_king"]).get(reverse("investigations:list"))
    assert [(o.label, o.count) for o in page.context["overrides"]] == [("CSE investigation", 1)]


def test_the_investigation_page_leads_to_the_ppn_due_for_an_access_record(client, allocated, force, gary):
    saved = services.suspect_access_record(
        actor=force["det_ross"], investigation=allocated, suspect=gary, source="custody remark", detail="Own children."
    )
    requirement = PpnRequirement.objects.get(
        subject_type="investigations.suspectaccess", subject_id=str(saved.record.pk)
    )
    page = signed_in(client, force["det_ross"]).get(reverse("investigations:detail", args=[allocated.pk]))
    assert reverse("referrals:requirement", args=[requirement.pk]) in page.content.decode()
