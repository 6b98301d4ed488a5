"""QG-3: the live performance dashboard (force-wide, or one area), the records behind each figure, and a
CSV of every table. Thin: the figures come from `oversight.dashboard`."""

from __future__ import annotations

import csv
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from childsafe.core import access, audit, clock
from childsafe.core.models import Area, AuditCategory
from childsafe.core.roles import Capability
from childsafe.core.web import access_checked
from childsafe.oversight import dashboard
from childsafe.oversight.forms import PeriodForm

DEFAULT_DAYS = 365
WHICH = {
    "raised": "raised in the period",
    "late": "not cleared before their due time",
    "overdue": "open and overdue now",
}


def _scope(request: HttpRequest) -> tuple[PeriodForm, dashboard.Period, Area | None, bool]:
    """The period and area asked for. Force-wide users may pick an area; others see only their own."""
    user = request.user
    access.require(user, Capability.DASHBOARD_VIEW)
    force_wide = access.can(user, Capability.STATISTICS_VIEW)
    if not force_wide and not user.area_id:
        raise PermissionDenied("The area dashboard is for officers with a command area.")
    areas = [(a.code, a.name) for a in Area.objects.all()]
    bound = "start_0" in request.GET or "end_0" in request.GET
    form = PeriodForm(request.GET if bound else None, areas=areas)
    period = dashboard.Period.last_days(DEFAULT_DAYS)
    area: Area | None = None
    if bound and form.is_valid():
        period = dashboard.Period(form.cleaned_data["start"], form.cleaned_data["end"])
        if form.cleaned_data["area"]:
            area = Area.objects.filter(code=form.cleaned_data["area"]).first()
    elif not bound and request.GET.get("area"):
        area = Area.objects.filter(code=request.GET["area"]).first()
    if not force_wide:
        area = user.area
    if not bound:
        form = PeriodForm(
            initial={"start": period.start, "end": period.end, "area": area.code if area else ""}, areas=areas
        )
    return form, period, area, force_wide


def _query(period: dashboard.Period, area: Area | None, **extra: str) -> str:
    from urllib.parse import urlencode

    params = {}
    for name, day in (("start", period.start), ("end", period.end)):
        params.update({f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)})
    if area is not None:
        params["area"] = area.code
    params.update(extra)
    return urlencode(params)


def _chart(key: str, title: str, values: list[tuple[str, int]]) -> dict[str, Any]:
    """A horizontal bar chart drawn as SVG on the server (ADR 0015): no script, nothing fetched."""
    top = max((v for _, v in values), default=0) or 1
    bars = [
        {"label": str(k), "value": v, "y": i * 28, "w": round(270 * v / top), "tx": 196 + round(270 * v / top)}
        for i, (k, v) in enumerate(values)
    ]
    return {"id": key, "title": title, "bars": bars, "height": max(len(bars) * 28, 28)}


def _hours(value: float | None) -> str:
    if value is None:
        return ""
    if value >= 48:
        return f"{value / 24:.1f} days"
    return f"{value:.1f} hours"


def tables(period: dashboard.Period, area: Area | None, user: Any) -> dict[str, dict[str, Any]]:
    """Every table on the dashboard as headers and rows (the page, and the CSV, read the same)."""
    area_id = area.pk if area else None
    can_records = access.can(user, Capability.DASHBOARD_RECORDS)
    now = clock.now()
    lines = dashboard.timeliness(period, area_id=area_id, now=now)
    area_names = dict(Area.objects.values_list("pk", "name"))
    drill = reverse("oversight:dashboard_alerts")

    def link(rule_id: str, which: str, value: int) -> str | None:
        if not can_records or not value:
            return None
        return f"{drill}?{_query(period, area, rule=rule_id, which=which)}"

    timeliness_rows = []
    for line in lines:
        t = line.total
        timeliness_rows.append(
            {
                "cells": [
                    f"{line.rule_id} {line.title}",
                    t.raised,
                    t.breaches,
                    "" if t.share_met is None else f"{t.share_met}%",
                    "" if line.share_cases_on_time is None else f"{line.share_cases_on_time}% of {line.cases}",
                    _hours(t.median_late),
                    _hours(t.p90_late),
                    t.open_overdue,
                ],
                "links": {
                    1: link(line.rule_id, "raised", t.raised),
                    2: link(line.rule_id, "late", t.breaches),
                    7: link(line.rule_id, "overdue", t.open_overdue),
                },
                "rule_id": line.rule_id,
            }
        )
    by_area_rows = []
    area_ids = [area_id] if area_id else list(area_names)
    for line in lines:
        cells: list[Any] = [line.rule_id]
        for a in area_ids:
            c = line.by_area.get(a)
            cells.append("" if c is None or c.share_met is None else f"{c.share_met}% of {c.raised}")
        by_area_rows.append({"cells": cells, "links": {}})
    demand = dashboard.demand(period, area_id=area_id)
    demand_rows = [
        {
            "cells": [f.label, f.value],
            "links": {1: reverse(f.url_name) if f.url_name and access.can(user, f.capability) else None},
        }
        for f in demand
    ]
    vat = dashboard.vat_backlog(now=now, area_id=area_id)
    dfu = dashboard.dfu_backlog(now=now, area_id=area_id)
    encompass = dashboard.encompass_coverage(period, area_id=area_id)
    aware = dashboard.skills_coverage(area_id=area_id)
    language = dashboard.language_flags(period)
    trend = dashboard.monthly_breaches(period, area_id=area_id)
    workload = dashboard.workload(area_id=area_id)
    grades = dashboard.audit_grades(period, area_id=area_id)
    quality = dashboard.ppn_quality(period, area_id=area_id)

    def simple(rows: list[tuple[str, int]]) -> list[dict[str, Any]]:
        return [{"cells": [k, v], "links": {}} for k, v in rows]

    def pct(c: dashboard.Coverage) -> str:
        return "No cases" if c.percent is None else f"{c.percent}%"

    result = {
        "timeliness": {
            "title": "Timeliness of every clock",
            "headers": [
                "Rule",
                "Alerts raised",
                "Breaches",
                "Alerts cleared before due",
                "Cases without a breach",
                "Median lateness",
                "90th percentile lateness",
                "Open and overdue now",
            ],
            "rows": timeliness_rows,
            "chart": _chart(
                "timeliness", "Breaches by clock in the period", [(ln.rule_id, ln.total.breaches) for ln in lines]
            ),
        },
        "by_area": {
            "title": "Alerts cleared before due, by command area",
            "headers": ["Rule"] + [area_names.get(a, "No area") for a in area_ids],
            "rows": by_area_rows,
        },
        "trend": {
            "title": "Clock alerts and breaches each month",
            "headers": ["Month", "Alerts raised", "Breaches"],
            "rows": [{"cells": [m, r, b], "links": {}} for m, r, b in trend],
            "chart": _chart("trend", "Breaches each month", [(m, b) for m, _, b in trend]),
        },
        "demand": {
            "title": "Demand in the period",
            "headers": ["Record", "Number"],
            "rows": demand_rows,
            "chart": _chart("demand", "Demand in the period", [(f.label, f.value) for f in demand]),
        },
        "vat": {
            "title": "VAT backlog: PPNs waiting for triage, by age",
            "headers": ["Waiting", "PPNs"],
            "rows": simple(vat),
            "chart": _chart("vat", "PPNs waiting for VAT triage, by age", vat),
        },
        "dfu": {
            "title": "DFU backlog: digital forensic requests not finished, by age",
            "headers": ["Since submission", "Requests"],
            "rows": simple(dfu),
            "chart": _chart("dfu", "DFU requests not finished, by age", dfu),
        },
        "coverage": {
            "title": "Coverage",
            "headers": ["Measure", "Cases", "Met", "Share"],
            "rows": [
                {
                    "cells": [
                        "Operation Encompass: school told before the next school day",
                        encompass.total,
                        encompass.on_time,
                        pct(encompass),
                    ],
                    "links": {},
                },
                {
                    "cells": [
                        "Response officers with current AWARE and voice of the child training",
                        aware.total,
                        aware.on_time,
                        pct(aware),
                    ],
                    "links": {},
                },
            ],
        },
        "language": {
            "title": "Victim-blaming and adultifying phrases flagged",
            "headers": ["Phrase", "Times flagged"],
            "rows": simple(language),
            "chart": _chart("language", "Phrases flagged in the period", language[:10]),
        },
        "ppn_quality": {
            "title": "PPN quality: line managers' reviews of sampled PPNs",
            "headers": ["Finding", "PPNs reviewed"],
            "rows": simple(quality),
            "chart": _chart("ppn-quality", "PPN quality in line managers' reviews", quality),
        },
        "audits": {
            "title": "Case audit grades",
            "headers": ["Type of case", "Good", "Requires improvement", "Inadequate"],
            "rows": [{"cells": list(g), "links": {}} for g in grades],
            "chart": _chart("audits", "Cases graded inadequate", [(g[0], g[3]) for g in grades]),
        },
        "workload": {
            "title": "Open work by command area now",
            "headers": ["Area", "Open alerts", "Open investigations", "Open missing episodes"],
            "rows": [
                {"cells": [w["area"].name, w["alerts"], w["investigations"], w["missing"]], "links": {}}
                for w in workload
            ],
        },
    }
    for table in result.values():
        for row in table["rows"]:
            row["pairs"] = [(cell, row["links"].get(i)) for i, cell in enumerate(row["cells"])]
    return result


@access_checked
def dashboard_page(request: HttpRequest) -> HttpResponse:
    form, period, area, force_wide = _scope(request)
    data = tables(period, area, request.user)
    if request.GET.get("format") == "csv":
        return _csv(request, data, period, area)
    context = {
        "form": form,
        "period": period,
        "area": area,
        "force_wide": force_wide,
        "tables": data,
        "query": _query(period, area),
        "is_pfcc": not access.can(request.user, Capability.DASHBOARD_RECORDS),
    }
    return render(request, "oversight/dashboard.html", context)


def neutralise(value: Any) -> Any:
    """A spreadsheet runs a cell starting = + - @ as a formula: make it text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(
    request: HttpRequest, data: dict[str, dict[str, Any]], period: dashboard.Period, area: Area | None
) -> HttpResponse:
    name = request.GET.get("table", "")
    if name not in data:
        raise PermissionDenied("There is no table of that name on the dashboard.")
    table = data[name]
    audit.access(
        actor=request.user,
        event_type="dashboard.export",
        subject_type="oversight.dashboard",
        subject_id=f"{name}:{period.start}:{period.end}:{area.code if area else 'force'}",
        category=AuditCategory.DISCLOSURE,
        recipient=request.user.display_name,
        justification=f"CSV export of '{table['title']}'",
    )
    response = HttpResponse(content_type="text/csv")
    scope = area.code if area else "force"
    response["Content-Disposition"] = f'attachment; filename="{name}-{scope}-{period.start}-{period.end}.csv"'
    writer = csv.writer(response)
    writer.writerow(table["headers"])
    for row in table["rows"]:
        writer.writerow([neutralise(c) for c in row["cells"]])
    return response


@access_checked
def dashboard_alerts(request: HttpRequest) -> HttpResponse:
    """The alerts behind one timeliness figure. They name children, so need to know applies: leaders and
    analysts see the force, a supervisor or CII their own area, the PFCC's team none."""
    access.require(request.user, Capability.DASHBOARD_RECORDS)
    form, period, area, force_wide = _scope(request)
    rule_id = request.GET.get("rule", "")
    which = request.GET.get("which", "raised")
    if rule_id not in {r.id for r in dashboard.clock_rules()} or which not in WHICH:
        raise PermissionDenied("That figure is not on the dashboard.")
    alerts = list(
        dashboard.alerts_behind(rule_id=rule_id, period=period, area_id=area.pk if area else None, which=which)[:500]
    )
    audit.access(
        actor=request.user,
        event_type="dashboard.records",
        subject_type="oversight.dashboard",
        subject_id=f"{rule_id}:{which}:{period.start}:{period.end}:{area.code if area else 'force'}",
    )
    context = {
        "rule": next(r for r in dashboard.clock_rules() if r.id == rule_id),
        "which": WHICH[which],
        "alerts": alerts,
        "period": period,
        "area": area,
        "back": f"{reverse('oversight:dashboard')}?{_query(period, area)}",
    }
    return render(request, "oversight/dashboard_alerts.html", context)
