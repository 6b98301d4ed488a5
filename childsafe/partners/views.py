"""The partner portal: a school's Key Adult or a local authority sees its own children and messages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from childsafe.core import access
from childsafe.core.roles import Capability
from childsafe.core.web import access_checked
from childsafe.partners import selectors


@access_checked
def home(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.PARTNER_PORTAL)
    return render(request, "partners/home.html", selectors.portal_home(request.user))
