"""The reason flow (PL-3, DPA 2018 s62): one page where a user outside a child's area says why they
need the record, then goes back to what they were doing. Every page that opens a child's record is
wrapped in `reason_checked`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from childsafe.core.errors import JustificationRequired
from childsafe.core.web import posted
from childsafe.people.access import Decision, decide, reason_with_purpose
from childsafe.people.forms import JustificationForm
from childsafe.people.models import Person

JUSTIFICATION_SESSION_KEY = "person_justifications"


def reasons(request: HttpRequest) -> dict[str, str]:
    """The reasons this user gave in this session, by person id, logged with every view that follows."""
    return request.session.get(JUSTIFICATION_SESSION_KEY, {})


def reason_checked(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Send a user who must give a reason to the reason page, and back to this page afterwards."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except JustificationRequired as exc:
            if exc.person_id is None:
                raise
            target = request.path if request.method == "POST" else request.get_full_path()
            return redirect(f"{reverse('people:reason', args=[exc.person_id])}?{urlencode({'next': target})}")

    return wrapper


@require_http_methods(["GET", "POST"])
def reason(request: HttpRequest, pk: int) -> HttpResponse:
    person = Person.objects.only("pk", "forenames", "surname", "area_id", "created_by_id").filter(pk=pk).first()
    if person is None or decide(request.user, person).decision is Decision.HIDDEN:
        raise Http404("No person with that reference.")
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = reverse("people:detail", args=[pk])
    form = JustificationForm(posted(request))
    if request.method == "POST" and form.is_valid():
        given = reasons(request)
        # Purpose and words together, as the s62 log keeps them with every view of this record that follows.
        given[str(pk)] = reason_with_purpose(form.cleaned_data["purpose"], form.cleaned_data["reason"])
        request.session[JUSTIFICATION_SESSION_KEY] = given
        return redirect(target)
    return render(request, "people/justify.html", {"form": form, "person": person, "back": target})
