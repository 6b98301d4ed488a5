"""Draft PPNs: saved without the RF-1/RF-2/RF-8 guards, seen only by their author, never by VAT, no RF-3
clock; submitting a draft runs every guard and the QG-1 check through the one submit path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.http import Http404
from django.urls import reverse

from childsafe.core import clock, engine
from childsafe.core.errors import InvalidInput, RuleRefusal
from childsafe.core.models import Alert, AuditEvent, LanguageFlag
from childsafe.incidents import services as incidents
from childsafe.people import services as people
from childsafe.referrals import selectors, services
from childsafe.referrals.models import Ppn, PpnDraft, PpnDraftChild

T0 = datetime(2022, 11, 10, 22, 15, tzinfo=UTC)
AWARE = {
    "appearance": "in pyjamas",
    "words": "scared",
    "activity": "hiding",
    "relationships": "close to mum",
    "environment": "broken glass",
}


@pytest.fixture(autouse=True)
def at_t0():
    clock.set_now(T0)
    yield
    clock.set_now(None)


@pytest.fixture
def team(personas, make_user):
    return {**personas, "vat": make_user("vat1", "vat")}


@pytest.fixture
def incident(team, ella):
    return incidents.incident_record(
        actor=team["handler"],
        type="domestic_abuse",
        grade=1,
        location="12 Mill Street, York",
        summary="Woman assaulted by partner; children in the house.",
        children=[incidents.ChildOnIncident(ella, present=True, resident=True)],
    ).incident


@pytest.fixture
def stranger(db):
    from datetime import date

    return people.person_create(
        actor=None, forenames="Sam", surname="Stone", date_of_birth=date(2012, 1, 1), sex="male"
    ).person


def half(person, **extra):
    """What an officer typed before being called away: two AWARE sections, no voice or ethnicity."""
    return services.PpnChildInput(person, {"appearance": "in pyjamas", "words": "scared"}, **extra)


def whole(person):
    return services.PpnChildInput(person, dict(AWARE), '"Mummy was crying"', "W1")


# -- Services ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_draft_keeps_what_was_entered_without_the_guards_and_starts_no_clock(team, ella, incident):
    draft = services.ppn_draft_save(actor=team["officer"], concern="", children=[half(ella)], incident=incident)
    kept = PpnDraftChild.objects.get(draft=draft)
    assert kept.aware["appearance"] == "in pyjamas" and kept.aware["activity"] == "" and kept.voice == ""
    assert draft.incident == incident and draft.submitted_ppn is None
    assert not Ppn.objects.exists()
    assert selectors.vat_queue()["waiting"] == [] and selectors.vat_queue()["submitted_today"] == 0
    clock.set_now(T0 + timedelta(days=3))
    engine.sweep()
    assert not Alert.objects.open().filter(rule_id="RF-3").exists()
    assert AuditEvent.objects.filter(event_type="ppn.draft_save", person_id=ella.pk).count() == 1


@pytest.mark.django_db
def test_a_draft_is_still_checked_for_what_cannot_be_right(team, ella, incident, stranger):
    with pytest.raises(InvalidInput) as bad_code:
        services.ppn_draft_save(actor=team["officer"], concern="x", children=[half(ella, ethnicity="Z9")])
    assert "'Z9' is not a self-defined ethnicity code" in bad_code.value.errors["ethnicity"]
    with pytest.raises(InvalidInput) as not_on_incident:
        services.ppn_draft_save(actor=team["officer"], concern="x", children=[half(stranger)], incident=incident)
    assert "Sam Stone is not on incident" in not_on_incident.value.errors["children"]
    with pytest.raises(InvalidInput, match="Add the child"):
        services.ppn_draft_save(actor=team["officer"], concern="x", children=[])
    assert not PpnDraft.objects.exists() and not AuditEvent.objects.filter(event_type="ppn.draft_save").exists()


@pytest.mark.django_db
def test_saving_again_replaces_the_draft_and_keeps_its_incident(team, ella, incident):
    draft = services.ppn_draft_save(actor=team["officer"], concern="first", children=[half(ella)], incident=incident)
    again = services.ppn_draft_save(
        actor=team["officer"], concern="second", children=[whole(ella)], incident=None, draft=draft
    )
    assert again.pk == draft.pk and again.concern == "second" and again.incident == incident
    assert PpnDraftChild.objects.get(draft=draft).voice == '"Mummy was crying"'
    with pytest.raises(InvalidInput, match="ethnicity code"):
        services.ppn_draft_save(
            actor=team["officer"], concern="third", children=[half(ella, ethnicity="??")], draft=draft
        )
    draft.refresh_from_db()
    assert draft.concern == "second" and PpnDraftChild.objects.get(draft=draft).ethnicity == "W1"


@pytest.mark.django_db
def test_only_the_author_may_touch_a_draft(team, ella):
    draft = services.ppn_draft_save(actor=team["officer"], concern="mine", children=[half(ella)])
    other = team["colleague_elsewhere"]
    with pytest.raises(Http404):
        services.ppn_draft_save(actor=other, concern="theirs", children=[half(ella)], draft=draft)
    with pytest.raises(Http404):
        services.ppn_draft_submit(actor=other, draft=draft, concern="x", children=[whole(ella)])
    with pytest.raises(Http404):
        services.ppn_draft_discard(actor=other, draft=draft)
    assert selectors.my_drafts(other) == [] and selectors.my_drafts(team["officer"]) == [draft]
    draft.refresh_from_db()
    assert draft.concern == "mine"


@pytest.mark.django_db
def test_submitting_a_draft_runs_every_guard_and_a_refusal_changes_nothing(team, ella, incident):
    draft = services.ppn_draft_save(actor=team["officer"], concern="x", children=[half(ella)], incident=incident)
    with pytest.raises(RuleRefusal) as rf1:
        services.ppn_draft_submit(actor=team["officer"], draft=draft, concern="x", children=[half(ella)])
    assert rf1.value.rule_id == "RF-1"
    no_ethnicity = services.PpnChildInput(ella, dict(AWARE), "She said nothing", "")
    with pytest.raises(RuleRefusal) as rf2:
        services.ppn_draft_submit(actor=team["officer"], draft=draft, concern="x", children=[no_ethnicity])
    assert rf2.value.rule_id == "RF-2"
    assert not Ppn.objects.exists()
    draft.refresh_from_db()
    assert draft.submitted_ppn is None and PpnDraftChild.objects.get(draft=draft).aware["activity"] == ""


@pytest.mark.django_db
def test_submitting_a_draft_makes_the_ppn_once_with_rf8_and_qg1_prompts(team, ella, incident):
    draft = services.ppn_draft_save(actor=team["officer"], concern="x", children=[half(ella)], incident=incident)
    submitted = services.ppn_draft_submit(
        actor=team["officer"],
        draft=draft,
        concern="She is putting herself at risk",
        children=[whole(ella)],
    )
    ppn = submitted.ppn
    assert ppn.incident == incident and ppn.status == "submitted" and ppn.children.get().ethnicity == "W1"
    assert sorted(p.rule_id for p in submitted.prompts) == ["QG-1", "RF-8"]
    assert LanguageFlag.objects.filter(subject_id=str(ppn.pk)).exists()
    assert [p.pk for p in selectors.vat_queue()["waiting"]] == [ppn.pk]
    draft.refresh_from_db()
    assert draft.submitted_ppn == ppn and not draft.children.exists()
    assert selectors.my_drafts(team["officer"]) == []
    assert AuditEvent.objects.filter(event_type="ppn.draft_submit", person_id=ella.pk).count() == 1
    assert AuditEvent.objects.filter(event_type="ppn.submit", person_id=ella.pk).count() == 1
    # A submitted PPN is final, except through triage.
    for attempt in (
        lambda: services.ppn_draft_submit(actor=team["officer"], draft=draft, concern="y", children=[whole(ella)]),
        lambda: services.ppn_draft_save(actor=team["officer"], concern="y", children=[whole(ella)], draft=draft),
        lambda: services.ppn_draft_discard(actor=team["officer"], draft=draft),
    ):
        with pytest.raises(InvalidInput, match=f"{ppn.reference} has been submitted, so it can't be changed"):
            attempt()
    assert Ppn.objects.count() == 1 and Ppn.objects.get().concern == "She is putting herself at risk"


@pytest.mark.django_db
def test_the_author_discards_a_draft(team, ella):
    draft = services.ppn_draft_save(actor=team["officer"], concern="x", children=[half(ella)])
    services.ppn_draft_discard(actor=team["officer"], draft=draft)
    assert not PpnDraft.objects.exists() and not PpnDraftChild.objects.exists()
    assert AuditEvent.objects.filter(event_type="ppn.draft_discard", person_id=ella.pk).count() == 1


# -- Pages ------------------------------------------------------------------------------------------------


def form_post(ella, action, **overrides):
    data = {f"c{ella.pk}_{k}": v for k, v in AWARE.items()}
    data |= {f"c{ella.pk}_voice": "She said 'Dad was shouting'", f"c{ella.pk}_ethnicity": "W1"}
    data |= {"concern": "Domestic abuse with Ella present.", "other_children": "", "action": action}
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_save_as_draft_then_come_back_and_submit(client, team, ella, incident):
    client.force_login(team["officer"])
    url = f"{reverse('referrals:submit')}?incident={incident.pk}"
    form = client.get(url).content.decode()
    assert 'value="draft"' in form and "Save as draft" in form
    saved = client.post(url, form_post(ella, "draft", **{f"c{ella.pk}_voice": "", f"c{ella.pk}_ethnicity": ""}))
    draft = PpnDraft.objects.get()
    assert saved.status_code == 302 and saved["Location"] == reverse("referrals:drafts")
    listing = client.get(reverse("referrals:drafts")).content.decode()
    assert "Ella Hughes" in listing and reverse("referrals:draft", args=[draft.pk]) in listing
    assert "Your draft PPNs (1)" in client.get(reverse("referrals:queue")).content.decode()
    page = client.get(reverse("referrals:draft", args=[draft.pk])).content.decode()
    assert "Finish your draft PPN" in page
    assert "Domestic abuse with Ella present." in page and AWARE["environment"] in page
    refused = client.post(
        reverse("referrals:draft", args=[draft.pk]), form_post(ella, "submit", **{f"c{ella.pk}_ethnicity": ""})
    )
    assert refused.status_code == 200 and "(RF-2)" in refused.content.decode()
    assert not Ppn.objects.exists()
    done = client.post(reverse("referrals:draft", args=[draft.pk]), form_post(ella, "submit"))
    ppn = Ppn.objects.get()
    assert done["Location"] == reverse("referrals:detail", args=[ppn.pk]) and ppn.incident == incident
    again = client.get(reverse("referrals:draft", args=[draft.pk]), follow=True).content.decode()
    assert "has been submitted, so it can&#x27;t be changed" in again
    assert client.post(reverse("referrals:draft", args=[draft.pk]), form_post(ella, "draft")).status_code == 302
    assert Ppn.objects.get().concern == "Domestic abuse with Ella present." and Ppn.objects.count() == 1


@pytest.mark.django_db
def test_a_bad_ethnicity_code_on_a_draft_is_a_form_error(client, team, ella, incident):
    client.force_login(team["officer"])
    url = f"{reverse('referrals:submit')}?incident={incident.pk}"
    response = client.post(url, form_post(ella, "draft", **{f"c{ella.pk}_ethnicity": "Z9"}))
    assert response.status_code == 200
    assert "Choose Ella Hughes&#x27;s self-defined ethnicity from the list" in response.content.decode()
    assert not PpnDraft.objects.exists()


@pytest.mark.django_db
def test_drafts_are_seen_only_by_their_author_and_never_by_vat(client, team, ella):
    draft = services.ppn_draft_save(actor=team["officer"], concern="Only mine", children=[half(ella)])
    for who in ("colleague_elsewhere", "vat", "supervisor"):
        client.force_login(team[who])
        assert client.get(reverse("referrals:draft", args=[draft.pk])).status_code == 404
        assert client.post(reverse("referrals:draft_discard", args=[draft.pk])).status_code == 404
        assert "Only mine" not in client.get(reverse("referrals:queue")).content.decode()
    client.force_login(team["right_school"])
    assert client.get(reverse("referrals:drafts")).status_code == 403
    assert PpnDraft.objects.filter(pk=draft.pk).exists()


@pytest.mark.django_db
def test_discarding_a_draft_asks_first(client, team, ella):
    draft = services.ppn_draft_save(actor=team["officer"], concern="x", children=[half(ella)])
    client.force_login(team["officer"])
    ask = client.get(reverse("referrals:draft_discard", args=[draft.pk])).content.decode()
    assert "Discard your draft PPN?" in ask and "Ella Hughes" in ask
    assert PpnDraft.objects.exists()
    gone = client.post(reverse("referrals:draft_discard", args=[draft.pk]))
    assert gone["Location"] == reverse("referrals:drafts") and not PpnDraft.objects.exists()
