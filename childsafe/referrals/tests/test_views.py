"""The PPN pages: who may open them, RF-1/RF-2 refusals on the form, the VAT queue and triage."""

from __future__ import annotations

import pytest
from django.urls import reverse

from childsafe.incidents import services as incidents
from childsafe.referrals import services
from childsafe.referrals.models import Ppn, PpnShare, PpnStatus

AWARE = {
    "appearance": "In pyjamas, barefoot",
    "words": "Said she was scared",
    "activity": "Hiding upstairs",
    "relationships": "Close to her mother",
    "environment": "Broken glass in the kitchen",
}


@pytest.fixture
def team(personas, make_user):
    vat = make_user("vat1", "vat")
    personas["officer"].line_manager = personas["supervisor"]
    personas["officer"].save(update_fields=["line_manager"])
    return {**personas, "vat": vat}


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


def make_ppn(team, ella, incident=None) -> Ppn:
    return services.ppn_submit(
        actor=team["officer"],
        concern="Domestic abuse with Ella present.",
        children=[services.PpnChildInput(ella, dict(AWARE), "She said 'Dad was shouting'", "W1")],
        incident=incident,
        other_children="None in the household.",
    ).ppn


def child_post(ella, **overrides) -> dict[str, str]:
    data = {f"c{ella.pk}_{k}": v for k, v in AWARE.items()}
    data |= {f"c{ella.pk}_voice": "She said 'Dad was shouting'", f"c{ella.pk}_ethnicity": "W1"}
    data |= {"concern": "Domestic abuse with Ella present.", "other_children": ""}
    data.update(overrides)
    return data


def test_the_form_lists_the_incidents_children(client, team, incident, ella):
    client.force_login(team["officer"])
    response = client.get(reverse("referrals:submit"), {"incident": incident.pk})
    assert response.status_code == 200
    assert "Ella Hughes" in response.content.decode()
    assert f'name="c{ella.pk}_ethnicity"' in response.content.decode()
    assert ">NS Not stated</option>" in response.content.decode()


def test_the_incident_page_links_to_the_form(client, team, incident):
    client.force_login(team["officer"])
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert f"{reverse('referrals:submit')}?incident={incident.pk}" in page


def test_children_picked_by_name_without_javascript(client, team, ella):
    client.force_login(team["officer"])
    url = reverse("referrals:submit")
    found = client.get(url, {"child_q": "Ela Hughes", "child_search": "1"}).content.decode()
    assert "Ella Hughes" in found and f'name="child" type="checkbox" value="{ella.pk}"' in found
    assert "Concern" not in found  # still choosing: the PPN form comes once a child is ticked
    chosen = client.get(url, {"child": str(ella.pk), "continue": "1"}).content.decode()
    assert f'data-testid="child-{ella.pk}"' in chosen
    # A link from elsewhere in Childsafe (the child's page, a delay) still names the child for the user.
    assert f'data-testid="child-{ella.pk}"' in client.get(url, {"children": str(ella.pk)}).content.decode()
    nobody = client.get(url, {"continue": "1"})
    assert "Choose at least one child: search by name and tick them" in nobody.content.decode()
    assert "<title>Error: " in nobody.content.decode()
    unknown = client.get(url, {"child": "999999", "continue": "1"}).content.decode()
    assert "Choose at least one child" in unknown


def test_rf1_and_rf2_refusals_name_the_child(client, team, incident, ella):
    client.force_login(team["officer"])
    url = f"{reverse('referrals:submit')}?incident={incident.pk}"
    no_aware = client.post(url, child_post(ella, **{f"c{ella.pk}_words": "", f"c{ella.pk}_voice": ""}))
    assert no_aware.status_code == 200
    page = no_aware.content.decode()
    # Each gap on its own field, all at once.
    assert "Enter the AWARE words section for Ella Hughes (RF-1)" in page
    assert "Enter Ella Hughes&#x27;s voice: their words, or why they were not spoken to (RF-1)" in page
    no_ethnicity = client.post(url, child_post(ella, **{f"c{ella.pk}_ethnicity": ""}))
    assert "Choose Ella Hughes&#x27;s self-defined ethnicity" in no_ethnicity.content.decode()
    assert "(RF-2)" in no_ethnicity.content.decode()
    assert not Ppn.objects.exists()


def test_submit_shows_prompts_on_the_ppn_page(client, team, incident, ella):
    client.force_login(team["officer"])
    response = client.post(f"{reverse('referrals:submit')}?incident={incident.pk}", child_post(ella), follow=True)
    ppn = Ppn.objects.get()
    assert ppn.incident == incident and ppn.children.get().ethnicity == "W1"
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("referrals:detail", args=[ppn.pk])
    assert 'data-rule="RF-8"' in page
    assert "Dad was shouting" in page


def test_partners_are_refused(client, team, ella):
    ppn = make_ppn(team, ella)
    client.force_login(team["right_school"])
    for url in (
        reverse("referrals:submit"),
        reverse("referrals:queue"),
        reverse("referrals:detail", args=[ppn.pk]),
        reverse("referrals:triage", args=[ppn.pk]),
    ):
        assert client.get(url).status_code in (403, 404), url


def test_vat_queue_shows_age_profile_and_demand(client, team, ella):
    ppn = make_ppn(team, ella)
    client.force_login(team["vat"])
    response = client.get(reverse("referrals:queue"))
    page = response.content.decode()
    assert response.status_code == 200
    assert ppn.reference in page and "Under 4 hours" in page and "Over 24 hours" in page
    assert response.context["profile"][0]["count"] == 1
    assert response.context["submitted_today"] == 1 and response.context["triaged_today"] == 0


def test_officer_sees_my_ppns_and_their_manager_sees_returns(client, team, ella):
    ppn = make_ppn(team, ella)
    services.ppn_triage(actor=team["vat"], ppn=ppn, decision="return", reason="AWARE words is too thin.")
    client.force_login(team["officer"])
    mine = client.get(reverse("referrals:queue")).content.decode()
    assert "My PPNs" in mine and ppn.reference in mine and "AWARE words is too thin." in mine
    client.force_login(team["supervisor"])
    managed = client.get(reverse("referrals:queue")).content.decode()
    assert 'data-testid="team-returns"' in managed and "AWARE words is too thin." in managed


def test_the_manager_sees_every_return_a_page_at_a_time(client, team, ella):
    from childsafe.referrals.selectors import RETURNS_PAGE_SIZE

    refs = []
    for i in range(RETURNS_PAGE_SIZE + 2):
        ppn = make_ppn(team, ella)
        services.ppn_triage(actor=team["vat"], ppn=ppn, decision="return", reason=f"Thin AWARE ({i}).")
        refs.append(ppn.reference)
    client.force_login(team["supervisor"])
    first = client.get(reverse("referrals:queue")).content.decode()
    second = client.get(reverse("referrals:queue") + "?returns_page=2").content.decode()
    assert 'aria-label="Pages of returned PPNs"' in first
    shown = [r for r in refs if r in first] + [r for r in refs if r in second]
    assert sorted(shown) == sorted(refs)  # every return, none cut off


def test_only_vat_triages(client, team, ella):
    ppn = make_ppn(team, ella)
    client.force_login(team["officer"])
    assert client.get(reverse("referrals:triage", args=[ppn.pk])).status_code == 403
    client.force_login(team["vat"])
    assert client.get(reverse("referrals:detail", args=[ppn.pk])).status_code == 200
    assert client.get(reverse("referrals:triage", args=[ppn.pk])).status_code == 200


def test_triage_shares_once_and_refuses_twice(client, team, ella, york):
    ppn = make_ppn(team, ella)
    client.force_login(team["vat"])
    url = reverse("referrals:triage", args=[ppn.pk])
    response = client.post(url, {"decision": "share", "partners": [york.pk], "reason": ""})
    assert response.status_code == 302
    ppn.refresh_from_db()
    assert ppn.status == PpnStatus.SHARED
    assert PpnShare.objects.get().organisation == york
    again = client.post(url, {"decision": "no_further_action", "reason": "Changed my mind"})
    assert again.status_code == 200
    assert "has already been triaged" in again.content.decode()


def test_triage_pre_ticks_the_childs_local_authority_and_school(client, team, ella, york, hill_primary):
    from childsafe.people import services as people

    other = people.organisation_create(actor=None, type="local_authority", name="Leeds", email="front@leeds.test")
    ppn = make_ppn(team, ella)
    client.force_login(team["vat"])
    page = client.get(reverse("referrals:triage", args=[ppn.pk])).content.decode()
    assert f'value="{york.pk}" checked' in page and f'value="{hill_primary.pk}" checked' in page
    assert f'value="{other.pk}" checked' not in page and f'value="{other.pk}"' in page
    assert f'data-testid="suggested-{hill_primary.pk}"' in page
    # Once VAT has unticked them, a form sent back with an error keeps VAT's choice, not the suggestion.
    back = client.post(reverse("referrals:triage", args=[ppn.pk]), {"decision": ""}).content.decode()
    assert f'value="{york.pk}" checked' not in back


def test_a_share_to_a_childrens_home_is_refused(client, team, ella):
    from childsafe.people import services as people

    home = people.organisation_create(actor=None, type="childrens_home", name="Oak House", email="staff@oak.test")
    ppn = make_ppn(team, ella)
    client.force_login(team["vat"])
    response = client.post(reverse("referrals:triage", args=[ppn.pk]), {"decision": "share", "partners": [home.pk]})
    assert response.status_code == 200
    assert "Oak House is not a partner Childsafe shares PPNs with." in response.content.decode()
    assert not PpnShare.objects.exists()
    assert "Oak House" not in client.get(reverse("referrals:triage", args=[ppn.pk])).content.decode()


def test_partners_ticked_with_a_return_are_questioned(client, team, ella, york):
    ppn = make_ppn(team, ella)
    client.force_login(team["vat"])
    response = client.post(
        reverse("referrals:triage", args=[ppn.pk]), {"decision": "return", "partners": [york.pk], "reason": "Thin"}
    )
    assert "Untick the partners" in response.content.decode()
    ppn.refresh_from_db()
    assert ppn.status == PpnStatus.SUBMITTED and not PpnShare.objects.exists()
