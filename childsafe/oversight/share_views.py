"""A named child's case shared with the PFCC's scrutiny team: shared by a senior leader with a reason, read
by the team read-only, every reading logged as a disclosure (DPA 2018 s62). Thin: services decide."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from childsafe.core import access, audit, clock
from childsafe.core.errors import InvalidInput
from childsafe.core.models import AuditCategory
from childsafe.core.roles import Capability, Role
from childsafe.core.web import access_checked, apply_errors, posted
from childsafe.oversight import services
from childsafe.oversight.forms import CaseShareForm
from childsafe.oversight.models import CaseShare
from childsafe.people.models import Person
from childsafe.people.picker import hold, person_picker, searching

ENTRIES_SHOWN = 200


@access_checked
def shared_cases(request: HttpRequest) -> HttpResponse:
    user = request.user
    is_pfcc = user.role == Role.PFCC_SCRUTINY
    if not is_pfcc or request.method == "POST":  # the PFCC's team reads what is shared; only leaders share
        access.require(user, Capability.CASE_SHARE_PFCC)
    form = CaseShareForm(posted(request)) if not is_pfcc else None
    picker = None
    if not is_pfcc:
        picker = person_picker(posted(request), user, name="person", label="Child", hint="Search by name.")
    if form is not None and request.method == "POST":
        if searching(request.POST, "person"):
            hold(form)
        elif form.is_valid():
            pk = form.cleaned_data.get("person")
            person = Person.objects.filter(pk=pk).first() if pk else None
            try:
                share = services.case_share(actor=user, person=person, reason=form.cleaned_data.get("reason") or "")
            except InvalidInput as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"{share.person.full_name}'s case is shared with the PFCC's scrutiny team.")
                return redirect("oversight:shared_cases")
    shares = CaseShare.objects.select_related("person", "shared_by")
    if is_pfcc:
        shares = shares.filter(withdrawn_at__isnull=True)
    return render(
        request,
        "oversight/shared_cases.html",
        {"form": form, "picker": picker, "shares": shares[:200], "is_pfcc": is_pfcc},
    )


@access_checked
def shared_case(request: HttpRequest, pk: int) -> HttpResponse:
    from childsafe.people.chronology import chronology

    user = request.user
    share = services.shared_case_for(user, pk)  # refused (403, logged) without a current share
    outside = user.role == Role.PFCC_SCRUTINY
    audit.access(
        actor=user,
        event_type="case_share.read",
        subject=share,
        person_id=share.person_id,
        category=AuditCategory.DISCLOSURE if outside else AuditCategory.CONSULTATION,
        justification=share.reason,
        recipient=services.PFCC_RECIPIENT if outside else "",
    )
    # What the leader who shared it could see of the child, read-only: no links onward into the records.
    entries = chronology([share.person_id], share.shared_by, limit=ENTRIES_SHOWN)
    return render(
        request,
        "oversight/shared_case.html",
        {"share": share, "person": share.person, "entries": entries, "today": clock.today_london()},
    )


@require_POST
@access_checked
def shared_case_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    share = get_object_or_404(CaseShare, pk=pk)
    services.case_share_withdraw(actor=request.user, share=share)
    messages.success(request, "The share is withdrawn: the PFCC's scrutiny team can no longer read the case.")
    return redirect("oversight:shared_cases")
