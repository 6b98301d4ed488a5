"""The missing-children pages, through the Django test client: who may open each, and that a
service's refusal (MP-1, MP-11, a stale version...) is shown on the form it came from."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.urls import reverse

from childsafe.core import clock
from childsafe.missing import services
from childsafe.missing.models import LineOfEnquiry, MissingEpisode, TriggerPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(personas, make_user, north_yorkshire):
    return {
        **personas,
        "fim": make_user("fim1", "fim"),
        "cii": make_user("cii_city", "cii", "city"),
        "mhet": make_user("mhet1", "mhet"),
        "other_la": make_user("la_nyc", "la_partner", organisation_id=north_yorkshire.pk),
    }


@pytest.fixture
def episode(staff, ella):
    return services.missing_report(
        actor=staff["handler"], child=ella, reported_by="Mother", circumstances="Did not come home from school."
    ).episode


@pytest.fixture
def returned(staff, episode):
    return services.episode_found(actor=staff["officer"], episode=episode, place="Coppergate Centre, York")


def signed_in(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def grade_data(episode, **extra):
    data = {
        "grade": "medium",
        "rationale": "Ella has a firearms marker; her mother says she is with an older friend.",
        "note_firearms": "Firearms intelligence is about an associate, not Ella; checked with the intelligence unit.",
        "expected_version": episode.version,
    }
    data.update(extra)
    return data


# -- Who may open what ---------------------------------------------------------------------------------


def test_worklist_for_mhet_and_not_for_a_school(client, staff, episode):
    response = signed_in(client, staff["mhet"]).get(reverse("missing:worklist"))
    assert response.status_code == 200
    assert "Ella Hughes" in text(response)
    assert "Not graded" in text(response)

    assert signed_in(client, staff["right_school"]).get(reverse("missing:worklist")).status_code == 403


def test_worklist_filters_by_area_and_risk(client, staff, episode):
    client = signed_in(client, staff["mhet"])
    assert "Ella Hughes" in text(client.get(reverse("missing:worklist"), {"area": "city", "risk": "ungraded"}))
    assert "Ella Hughes" not in text(client.get(reverse("missing:worklist"), {"area": "east"}))
    assert "Ella Hughes" not in text(client.get(reverse("missing:worklist"), {"risk": "high"}))


def test_daily_meeting_lists_what_changed(client, staff, episode):
    services.episode_grade(actor=staff["fim"], episode=episode, grade="high", rationale="Firearms marker.")
    response = signed_in(client, staff["mhet"]).get(reverse("missing:worklist"), {"view": "daily"})
    assert response.status_code == 200
    page = text(response)
    assert "Reported missing" in page
    assert "Graded high risk" in page


def test_episode_page_for_police_but_not_partners(client, staff, episode):
    url = reverse("missing:detail", args=[episode.pk])
    assert signed_in(client, staff["handler"]).get(url).status_code == 200
    assert signed_in(client, staff["right_school"]).get(url).status_code == 403
    assert signed_in(client, staff["local_authority"]).get(url).status_code == 403


def test_an_officer_from_another_area_gives_a_reason_first(client, staff, episode):
    client = signed_in(client, staff["colleague_elsewhere"])
    url = reverse("missing:detail", args=[episode.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("people:reason", args=[episode.person_id]))
    response = client.post(
        response.url, {"purpose": "safeguarding_enquiry", "reason": "Ella was seen in the east area tonight."}
    )
    assert response.status_code == 302 and response.url == url
    assert client.get(url).status_code == 200


def test_grading_is_for_the_fim_and_cii_only(client, staff, episode):
    url = reverse("missing:grade", args=[episode.pk])
    assert signed_in(client, staff["fim"]).get(url).status_code == 200
    assert signed_in(client, staff["cii"]).get(url).status_code == 200
    assert signed_in(client, staff["handler"]).get(url).status_code == 403
    assert signed_in(client, staff["right_school"]).get(url).status_code == 403


@pytest.mark.parametrize("name", ["assign", "action", "found", "safe_and_well", "close"], ids=lambda n: f"missing:{n}")
def test_step_pages_render_for_police_and_refuse_a_school(client, staff, episode, name):
    url = reverse(f"missing:{name}", args=[episode.pk])
    assert signed_in(client, staff["officer"]).get(url).status_code == 200
    assert signed_in(client, staff["right_school"]).get(url).status_code == 403


def test_reviews_are_read_by_the_officer_and_written_by_supervisors(client, staff, episode):
    url = reverse("missing:review", args=[episode.pk])
    assert "Record the review" in text(signed_in(client, staff["supervisor"]).get(url))
    page = signed_in(client, staff["officer"]).get(url)
    assert page.status_code == 200 and "Record the review" not in text(page)
    assert signed_in(client, staff["officer"]).post(url, {"note": "Looks fine."}).status_code == 403
    assert not episode.reviews.exists()


# -- The episode page in parts (issue 16) --------------------------------------------------------------


def test_the_summary_lists_the_parts_and_each_part_is_its_own_page(client, staff, episode):
    client = signed_in(client, staff["fim"])
    summary = text(client.get(reverse("missing:detail", args=[episode.pk])))
    assert 'data-testid="episode-tasks"' in summary and 'data-testid="markers"' in summary
    assert "Firearms" in summary and "Grade the risk" in summary
    # The summary is short: no part's form is on it.
    assert "<form" not in summary.split('id="main-content"')[1]
    for name in ["detail", "intelligence", "grade", "assign", "action", "review", "believed", "found", "documents"]:
        url = reverse(f"missing:{name}", args=[episode.pk])
        page = text(client.get(url))
        # The sub navigation marks this part, and only this one, as the current page.
        assert page.count('aria-current="page"') == 1, name
        assert f'href="{url}" aria-current="page"' in page, name


def test_a_saved_form_returns_to_its_own_part(client, staff, episode):
    client = signed_in(client, staff["fim"])
    url = reverse("missing:grade", args=[episode.pk])
    response = client.post(
        url,
        {
            "grade": "high",
            "rationale": "Firearms marker; not seen since noon.",
            "expected_version": episode.version,
            "note_firearms": "Cousin's firearms; treated as high.",
        },
    )
    assert response.status_code == 302 and response.url == url, text(response)
    assert "Graded high risk" in text(client.get(url))
    review = reverse("missing:review", args=[episode.pk])
    assert signed_in(client, staff["supervisor"]).post(review, {"note": "Stays high."}).url == review


# -- Report --------------------------------------------------------------------------------------------


def test_report_then_the_episode_page_shows_the_markers(client, staff, ella):
    client = signed_in(client, staff["handler"])
    assert client.get(reverse("missing:report"), {"child": ella.pk}).status_code == 200
    response = client.post(
        reverse("missing:report"),
        {
            "child": ella.pk,
            "reported_by": "Oak House staff",
            "last_seen_at_time": "00:01",
            "last_seen_place": "Bus station",
            "circumstances": "Left after an argument.",
        },
    )
    episode = MissingEpisode.objects.get(person=ella)
    assert response.status_code == 302
    assert response.url.startswith(reverse("missing:detail", args=[episode.pk]))
    assert episode.last_seen_at is not None and episode.incident is not None
    page = text(client.get(response.url))
    assert 'data-testid="high-harm"' in page
    assert "Firearms" in page
    assert "Missing episode recorded for Ella Hughes" in page


def test_report_errors_are_shown_on_their_fields(client, staff, ella):
    client = signed_in(client, staff["handler"])
    response = client.post(reverse("missing:report"), {"child": 999999, "reported_by": ""})
    assert "Choose the missing child: search by name and choose them" in text(response)
    response = client.post(reverse("missing:report"), {"child": ella.pk, "reported_by": ""})
    assert "Enter who reported the child missing." in text(response)
    assert 'id="id_reported_by-error"' in text(response)
    assert not MissingEpisode.objects.exists()


def test_the_child_is_picked_by_name_and_what_was_typed_is_kept(client, staff, ella):
    """Without JavaScript: "Search" lists the matches and keeps the rest of the form, unjudged."""
    client = signed_in(client, staff["handler"])
    url = reverse("missing:report")
    page = text(
        client.post(url, {"child_q": "Ella Hughs", "child_born": "", "child_search": "1", "reported_by": "Mother"})
    )
    assert f'name="child" type="radio" value="{ella.pk}"' in page
    assert 'value="Mother"' in page and "There is a problem" not in page
    assert not MissingEpisode.objects.exists()
    bad_age = text(client.post(url, {"child_q": "Ella", "child_born": "yesterday", "child_search": "1"}))
    assert "approximate age (14)" in bad_age
    # From the child's page: the child is already chosen.
    assert f'value="{ella.pk}" checked' in text(client.get(url, {"child": ella.pk}))


def test_a_trigger_plan_is_shown_first(client, staff, ella):
    services.trigger_plan_create(actor=staff["mhet"], child=ella, places="Skate park; Coppergate Centre")
    episode = services.missing_report(actor=staff["handler"], child=ella, reported_by="Mother").episode
    page = text(signed_in(client, staff["handler"]).get(reverse("missing:intelligence", args=[episode.pk])))
    assert page.index('data-section="trigger_plan"') < page.index('data-section="markers"')
    assert "Skate park" in page


def test_a_priority_missing_child_with_no_trigger_plan_is_warned(client, staff, ella):
    now = clock.now()
    for days in (40, 20):
        services.history_import(person=ella, reported_at=now - timedelta(days=days), found_at=None)
    episode = services.missing_report(actor=staff["handler"], child=ella, reported_by="Mother").episode
    page = text(signed_in(client, staff["handler"]).get(reverse("missing:intelligence", args=[episode.pk])))
    assert "Priority missing and there is NO trigger plan" in page
    assert page.index('data-section="trigger_plan"') < page.index('data-section="markers"')


def test_report_linked_to_an_incident_and_returned_before_the_report(client, staff, ella):
    from childsafe.incidents import services as incidents

    incident = incidents.incident_record(
        actor=staff["handler"],
        type="concern_for_safety",
        grade=2,
        location="12 Mill Street",
        summary="Ella not home; came back later.",
        children=[incidents.ChildOnIncident(ella, present=False, resident=True)],
    ).incident
    client = signed_in(client, staff["handler"])
    form = text(client.get(reverse("missing:report"), {"child": ella.pk, "incident": incident.pk, "returned": 1}))
    assert incident.reference in form
    response = client.post(
        reverse("missing:report"),
        {"child": ella.pk, "incident": incident.pk, "reported_by": "Mother", "returned_before_report": "on"},
    )
    assert response.status_code == 302
    episode = MissingEpisode.objects.get(person=ella)
    assert episode.incident == incident and episode.returned_before_report and episode.found_at


# -- Grade ---------------------------------------------------------------------------------------------


def test_the_grading_page_has_a_note_per_marker_and_refuses_a_missing_one(client, staff, episode):
    client = signed_in(client, staff["fim"])
    url = reverse("missing:grade", args=[episode.pk])
    page = text(client.get(url))
    assert 'name="note_firearms"' in page
    assert 'value="low"' not in page
    response = client.post(url, grade_data(episode, note_firearms=""))
    assert response.status_code == 200
    assert "Enter a note against the Firearms marker (MP-3)" in text(response)
    episode.refresh_from_db()
    assert episode.grade == ""


def test_low_is_refused_with_mp1(client, staff, episode):
    response = signed_in(client, staff["fim"]).post(
        reverse("missing:grade", args=[episode.pk]), grade_data(episode, grade="low")
    )
    assert response.status_code == 200
    assert "(MP-1)" in text(response)
    assert 'id="id_grade-error"' in text(response)
    episode.refresh_from_db()
    assert episode.grade == ""


def test_grading_a_version_someone_else_changed_says_so(client, staff, episode):
    stale = episode.version
    services.episode_grade(
        actor=staff["cii"], episode=episode, grade="high", rationale="Firearms marker.", expected_version=stale
    )
    response = signed_in(client, staff["fim"]).post(
        reverse("missing:grade", args=[episode.pk]), grade_data(episode, expected_version=stale)
    )
    page = text(response)
    assert "Someone else changed this episode" in page
    episode.refresh_from_db()
    assert episode.grade == "high"
    # The form now carries the version on the screen, so checking and saving again works.
    assert f'value="{episode.version}"' in page


def test_grading_medium_records_the_notes_and_goes_to_the_cii(client, staff, episode):
    client = signed_in(client, staff["fim"])
    response = client.post(reverse("missing:grade", args=[episode.pk]), grade_data(episode))
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.grade == "medium" and episode.owner_role == "cii"
    assert episode.markers_acknowledged["firearms"].startswith("Firearms intelligence")
    page = text(client.get(response.url))
    assert "goes to the City of York CII" in page


# -- Work the episode ----------------------------------------------------------------------------------


def test_assign_and_lines_of_enquiry(client, staff, episode):
    client = signed_in(client, staff["cii"])
    response = client.post(reverse("missing:assign", args=[episode.pk]), {"to": "nobody_here"})
    page = text(response)
    assert "Choose the officer in the case" in page
    assert f'<option value="pc_city">{staff["officer"].display_name} (' in page  # picked by name, never typed
    response = client.post(reverse("missing:assign", args=[episode.pk]), {"to": "pc_city"})
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.officer_in_case == staff["officer"]

    url = reverse("missing:action", args=[episode.pk])
    response = client.post(url, {"which": "add", "add-action": "", "add-owner": "pc_city"})
    assert "Enter the action." in text(response)
    response = client.post(
        url, {"which": "add", "add-action": "Search Ella's bedroom", "add-owner": "pc_city", "add-due_at_time": "23:59"}
    )
    assert response.status_code == 302
    line = LineOfEnquiry.objects.get(episode=episode)
    assert line.owner == staff["officer"] and line.due_at is not None

    response = client.post(url, {"which": str(line.pk)})
    assert "Mark the action done, or give a reason for the delay" in text(response)
    client.post(url, {"which": str(line.pk), f"line-{line.pk}-delay_reason": "Waiting for a key holder."})
    line.refresh_from_db()
    assert line.delay_reason == "Waiting for a key holder." and line.done_at is None
    client.post(url, {"which": str(line.pk), f"line-{line.pk}-done": "on"})
    line.refresh_from_db()
    assert line.done_at is not None
    assert "Search Ella" in text(client.get(reverse("missing:action", args=[episode.pk])))


def test_supervisory_review(client, staff, episode):
    client = signed_in(client, staff["supervisor"])
    url = reverse("missing:review", args=[episode.pk])
    assert "Enter the review note." in text(client.post(url, {"note": ""}))
    assert client.post(url, {"note": "Room searched; friends visited. Stays medium."}).status_code == 302
    assert episode.reviews.count() == 1


def test_found_before_reported_is_refused_on_the_date(client, staff, episode):
    before = (episode.reported_at - timedelta(days=2)).astimezone(clock.LONDON)
    response = signed_in(client, staff["officer"]).post(
        reverse("missing:found", args=[episode.pk]),
        {
            "place": "Coppergate Centre, York",
            "found_at_0": before.day,
            "found_at_1": before.month,
            "found_at_2": before.year,
            "found_at_time": "10:00",
        },
    )
    assert response.status_code == 200
    assert "can't be before the time the child was reported missing" in text(response)
    assert 'id="id_found_at-error"' in text(response)
    episode.refresh_from_db()
    assert episode.found_at is None


def test_found_then_safe_and_well(client, staff, episode):
    client = signed_in(client, staff["officer"])
    response = client.post(
        reverse("missing:found", args=[episode.pk]), {"place": "Coppergate Centre, York", "self_returned": "on"}
    )
    assert response.url == reverse("missing:safe_and_well", args=[episode.pk])
    episode.refresh_from_db()
    assert episode.found_at and episode.self_returned

    url = reverse("missing:safe_and_well", args=[episode.pk])
    response = client.post(url, {"where": "At a friend's flat", "new_concerns": "no"})
    page = text(response)
    assert "Enter the AWARE appearance section." in page
    assert 'id="id_aware_appearance-error"' in page
    data = {
        "where": "At a friend's flat",
        "with_whom": "Two older boys she would not name",
        "harm": "None seen",
        "disclosures": "None",
        "voice": "'I just needed to get away.' Quiet, tired.",
        "aware_appearance": "Tired, same clothes as yesterday.",
        "aware_words": "Said she was fine.",
        "aware_activity": "On her phone throughout.",
        "aware_relationships": "Mentions 'the lads from the park'.",
        "aware_environment": "Flat above a shop, several adults.",
        "new_concerns": "yes",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    page = text(client.get(response.url))
    assert "MP-8" in page and "PPN" in page


def test_safe_and_well_before_found_is_refused(client, staff, episode):
    url = reverse("missing:safe_and_well", args=[episode.pk])
    client = signed_in(client, staff["officer"])
    assert "not recorded yet" in text(client.get(url))
    complete = {
        **{k: "Nothing of concern." for k in ("where", "with_whom", "harm", "disclosures", "voice")},
        **{f"aware_{s}": "Nothing of concern." for s in ("appearance", "words", "activity", "relationships")},
        "aware_environment": "Nothing of concern.",
        "new_concerns": "no",
    }
    response = client.post(url, complete)
    assert response.status_code == 200
    assert "Record the child's return first" in text(response)


def test_closing_refusals_are_shown_and_closing_twice_is_refused(client, staff, returned):
    episode = returned
    url = reverse("missing:close", args=[episode.pk])
    response = signed_in(client, staff["officer"]).post(url)
    assert "A supervisor, FIM or CII signs off the closure" in text(response)
    client = signed_in(client, staff["supervisor"])
    response = client.post(url)
    assert "Record the safe and well check before closing the episode. (MP-11)" in text(response)
    services.episode_safe_and_well(
        actor=staff["officer"],
        episode=episode,
        where="Home",
        with_whom="Alone",
        harm="None seen",
        disclosures="None",
        voice="Said she was sorry.",
        aware={k: "Nothing of concern." for k in services.AWARE_SECTIONS},
        new_concerns=False,
    )
    assert client.post(url).status_code == 302
    response = client.post(url)
    assert response.status_code == 200
    assert "This episode is already closed." in text(response)


# -- Return home interview, trigger plans, places -----------------------------------------------------


def test_return_home_interview_by_the_childs_local_authority(client, staff, returned):
    url = reverse("missing:rhi", args=[returned.pk])
    client = signed_in(client, staff["local_authority"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"summary": "Ella spoke to her worker; she was at a friend's; no new concerns."})
    assert response.status_code == 302
    assert returned.return_interviews.get().received_from == "City of York Council"


def test_return_home_interview_is_404_for_another_authority_and_403_for_a_school(client, staff, returned):
    url = reverse("missing:rhi", args=[returned.pk])
    assert signed_in(client, staff["other_la"]).get(url).status_code == 404
    assert signed_in(client, staff["other_la"]).post(url, {"summary": "Not ours."}).status_code == 404
    assert signed_in(client, staff["right_school"]).get(url).status_code == 403
    assert not returned.return_interviews.exists()


def test_mhet_records_a_return_home_interview(client, staff, episode):
    client = signed_in(client, staff["mhet"])
    url = reverse("missing:rhi", args=[episode.pk])
    assert "The child hasn't been recorded as returned yet." in text(client.post(url, {"summary": "Too early."}))


def test_trigger_plan_page(client, staff, ella):
    client = signed_in(client, staff["mhet"])
    url = reverse("missing:trigger_plan", args=[ella.pk])
    assert client.get(url).status_code == 200
    assert "A trigger plan needs something to help find the child" in text(client.post(url, {}))
    response = client.post(url, {"places": "Skate park", "phone": "07700 900123"})
    assert response.status_code == 302
    assert TriggerPlan.objects.get(person=ella).phone == "07700 900123"
    assert signed_in(client, staff["handler"]).get(url).status_code == 403


def test_place_page_and_hotspot_plan(client, staff, returned):
    location_id = returned.found_location_id
    url = reverse("missing:place", args=[location_id])
    assert signed_in(client, staff["handler"]).get(url).status_code == 200
    client = signed_in(client, staff["mhet"])
    page = text(client.get(url))
    assert "Coppergate Centre" in page and "Ella Hughes" in page
    assert "Enter the problem-solving plan." in text(client.post(url, {"owner": "mhet1", "plan": ""}))
    response = client.post(url, {"owner": "mhet1", "plan": "Meet the centre manager; patrols on Friday nights."})
    assert response.status_code == 302
    assert "patrols on Friday nights" in text(client.get(url))
    assert signed_in(client, staff["right_school"]).get(url).status_code == 403


def test_a_place_the_child_may_be_is_listed_on_its_part(client, staff, episode):
    client = signed_in(client, staff["officer"])
    url = reverse("missing:believed", args=[episode.pk])
    response = client.post(url, {"place": "Coppergate Centre, York"})
    assert response.status_code == 302 and response.url == url
    page = text(client.get(url))
    assert 'data-testid="places"' in page and "Coppergate Centre" in page and "believed to be there" in page
