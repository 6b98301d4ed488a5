"""Demo logins: one account for every role, so a visitor can see Childsafe as each user sees it.

Every account has the same published password, DEMO_PASSWORD. That is safe only because the demo
force is synthetic: `ensure_demo_users` refuses to run on a database that does not hold a generated
demo force (no `demo.generate` audit event), so these logins can't be added to real records by
mistake. Never use these accounts or this password outside the demo. docs/demo-logins.md lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction

from childsafe.core import clock, services
from childsafe.core.models import Area, AuditEvent, Skill, User
from childsafe.core.roles import Rank, Role
from childsafe.people.models import Organisation
from childsafe.people.vocabulary import OrganisationType

# Published on purpose: synthetic demo data only. Never use it anywhere else.
DEMO_PASSWORD = "childsafe-demo-2026"  # noqa: S105
DEMO_EMAIL_DOMAIN = "demo.childsafe.test"

# Which organisation a partner login belongs to.
DEMO_SCHOOL = "school"  # the first generated school in the city area
YORK_COUNCIL = "City of York Council"
NORTH_YORKSHIRE_COUNCIL = "North Yorkshire Council"


class NotADemoDatabase(Exception):
    """The database holds no generated demo force, so demo logins with a published password are refused."""


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    first_name: str
    last_name: str
    area: str | None = None
    organisation: str | None = None  # DEMO_SCHOOL or a local authority's name
    line_manager: str | None = None
    sees: str = ""
    # A rank and accreditations where a journey needs them (a designated officer is an inspector, RF-7's
    # longer delay a superintendent's, INV-1's allocation an accredited investigator, RSO-8 ViSOR).
    rank: str = ""
    skills: tuple[str, ...] = ()


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(
        "handler",
        Role.CALL_HANDLER,
        "Priya",
        "Shah",
        sees="Any child's record force-wide (each view logged); records people and markers. The control room.",
        rank=Rank.STAFF,
    ),
    DemoLogin(
        "fim",
        Role.FIM,
        "Helen",
        "Brooks",
        sees="Every record force-wide, the team's alerts; links duplicate records.",
        rank=Rank.INSPECTOR,
    ),
    DemoLogin(
        "cii_east",
        Role.CII,
        "Mark",
        "Ellis",
        area="east",
        sees="Eastern area's records; elsewhere gives a reason first. The team's alerts.",
        rank=Rank.INSPECTOR,
    ),
    DemoLogin(
        "sgt_city",
        Role.SUPERVISOR,
        "Dawn",
        "Harper",
        area="city",
        sees="Line manager of pc_city and pc_city2. City records, the team's alerts; links duplicate records.",
        rank=Rank.SERGEANT,
        skills=("aware_voc",),
    ),
    DemoLogin(
        "pc_city",
        Role.RESPONSE_OFFICER,
        "Tom",
        "Walsh",
        area="city",
        line_manager="sgt_city",
        sees="City records; other areas' children need a reason first. Own alerts.",
        rank=Rank.CONSTABLE,
        skills=("aware_voc",),
    ),
    DemoLogin(
        "pc_city2",
        Role.RESPONSE_OFFICER,
        "Aisha",
        "Khan",
        area="city",
        line_manager="sgt_city",
        sees="As pc_city: a second officer under the same sergeant.",
        rank=Rank.CONSTABLE,
        skills=("aware_voc",),
    ),
    DemoLogin(
        "pc_east",
        Role.RESPONSE_OFFICER,
        "Lewis",
        "Grant",
        area="east",
        sees="A colleague in another area: asked for a reason before opening a city child's record.",
        rank=Rank.CONSTABLE,
        skills=("aware_voc",),
    ),
    DemoLogin(
        "dc_west",
        Role.INVESTIGATOR,
        "Sarah",
        "Lund",
        area="west",
        sees="Western area's records; elsewhere gives a reason first.",
        rank=Rank.CONSTABLE,
        skills=(
            "online_csa",
            "cse_investigation",
            "scaidp",
            "specialist_interview",
        ),
    ),
    DemoLogin(
        "vat",
        Role.VAT,
        "Gill",
        "Moss",
        sees="Every record force-wide, the team's alerts; links duplicate records.",
        rank=Rank.SERGEANT,
        skills=("aware_voc",),
    ),
    DemoLogin(
        "mhet",
        Role.MHET,
        "Rob",
        "Fenwick",
        sees="Every record force-wide, the team's alerts; links duplicate records.",
        rank=Rank.CONSTABLE,
        skills=(
            "cse_investigation",
            "aware_voc",
        ),
    ),
    DemoLogin(
        "omu",
        Role.OMU,
        "Karen",
        "Dale",
        sees="Every record force-wide; records people and markers.",
        rank=Rank.CONSTABLE,
        skills=("visor",),
    ),
    DemoLogin(
        "dfu",
        Role.DFU,
        "Imran",
        "Aziz",
        sees="Every record force-wide; records people and markers.",
        rank=Rank.STAFF,
    ),
    DemoLogin(
        "analyst",
        Role.ANALYST,
        "Jo",
        "Pearce",
        sees="Reads every record force-wide (no changes); links duplicate records; force-level figures.",
        rank=Rank.STAFF,
    ),
    DemoLogin(
        "senior_leader",
        Role.SENIOR_LEADER,
        "Claire",
        "Norton",
        sees="Gives a reason before opening any record; the team's alerts; force-level figures.",
        rank=Rank.SUPERINTENDENT,
    ),
    DemoLogin(
        "pfcc",
        Role.PFCC_SCRUTINY,
        "David",
        "Price",
        sees="Force-level figures only; no child's record.",
    ),
    DemoLogin(
        "info_manager",
        Role.INFORMATION_MANAGER,
        "Ruth",
        "Oakley",
        sees="The audit log; gives a reason before opening any record; links duplicates; retries failed messages.",
        rank=Rank.STAFF,
    ),
    DemoLogin(
        "admin",
        Role.ADMINISTRATOR,
        "Steve",
        "Barker",
        sees="Accounts, teams, skills, force settings and failed messages; no child's record.",
        rank=Rank.STAFF,
    ),
    DemoLogin(
        "school_dsl",
        Role.SCHOOL_PARTNER,
        "Emma",
        "Hart",
        organisation=DEMO_SCHOOL,
        sees="Partner portal: only the school's current pupils and the notices sent to it.",
    ),
    DemoLogin(
        "la_york",
        Role.LA_PARTNER,
        "Neil",
        "Foster",
        organisation=YORK_COUNCIL,
        sees="Partner portal: only the council's children and the notices sent to it.",
    ),
    DemoLogin(
        "la_northyorks",
        Role.LA_PARTNER,
        "Fiona",
        "Reid",
        organisation=NORTH_YORKSHIRE_COUNCIL,
        sees="Partner portal: only the council's children and the notices sent to it.",
    ),
)


def is_demo_database() -> bool:
    return AuditEvent.objects.filter(event_type="demo.generate").exists()


def demo_school() -> Organisation | None:
    """The school whose Key Adult has the demo login: the first generated one in the city area."""
    schools = Organisation.objects.filter(type=OrganisationType.SCHOOL).order_by("pk")
    return schools.filter(area__code="city").first() or schools.first()


def _organisation(name: str) -> Organisation:
    if name == DEMO_SCHOOL:
        school = demo_school()
        if school is None:
            raise NotADemoDatabase("There is no school to give the demo Key Adult login to. Run `childsafe generate`.")
        return school
    council = Organisation.objects.filter(type=OrganisationType.LOCAL_AUTHORITY, name=name).order_by("pk").first()
    if council is None:
        raise NotADemoDatabase(f"{name} is not recorded, so its demo login can't be made. Run `childsafe generate`.")
    return council


def _key_adult(school: Organisation, first: str, last: str, email: str) -> tuple[str, str, str]:
    name = school.key_adult_name.strip()
    if name:
        first, _, rest = name.rpartition(" ") if " " in name else (name, "", "")
        first, last = (first, rest) if rest else (name, last)
    return first, last, school.key_adult_email or email


def ensure_demo_users() -> list[tuple[str, str, str]]:
    """Create any demo login that is missing; leave existing ones as they are.

    Returns (username, role, area or organisation) for every demo login, in DEMO_LOGINS order.
    """
    if not is_demo_database():
        raise NotADemoDatabase(
            "This database holds no generated demo force, so the demo logins (whose password is published) "
            "were not created. Use them only on a database made by `childsafe demo` or `childsafe generate`."
        )
    areas = {a.code: a for a in Area.objects.all()}
    rows: list[tuple[str, str, str]] = []
    with transaction.atomic():
        for login in DEMO_LOGINS:
            organisation = _organisation(login.organisation) if login.organisation else None
            user = User.objects.filter(username__iexact=login.username).first()
            if user is None:
                manager = User.objects.filter(username=login.line_manager).first() if login.line_manager else None
                first_name, last_name = login.first_name, login.last_name
                email = f"{login.username}@{DEMO_EMAIL_DOMAIN}"
                if organisation is not None and organisation.type == OrganisationType.SCHOOL:
                    # The signed-in Key Adult is the one the school's notices name and are emailed to.
                    first_name, last_name, email = _key_adult(organisation, first_name, last_name, email)
                user = services.user_create(
                    actor=None,
                    username=login.username,
                    role=login.role,
                    password=DEMO_PASSWORD,
                    first_name=first_name,
                    last_name=last_name,
                    email=email,
                    area=areas.get(login.area) if login.area else None,
                    organisation_id=organisation.pk if organisation else None,
                    line_manager=manager,
                    rank=login.rank,
                    channel="cli",
                    check_password=False,
                )
                today = clock.now().date()
                for code in login.skills:
                    skill = Skill.objects.filter(code=code).first()
                    if skill is not None:
                        services.user_skill_award(
                            actor=None, user=user, skill=skill, awarded_on=today - timedelta(days=365)
                        )
            where = organisation.name if organisation else (areas[login.area].name if login.area in areas else "")
            rows.append((user.username, user.role, where))
    return rows


def logins_table(rows: list[tuple[str, str, str]]) -> list[str]:
    """The demo logins as lines of plain text, for the terminal."""
    labels = dict(Role.choices)
    sees = {login.username: login.sees for login in DEMO_LOGINS}
    width = max(len(username) for username, _, _ in rows) if rows else 8
    lines = [f"{'Username'.ljust(width)}  Role and what they see"]
    for username, role, where in rows:
        place = f" ({where})" if where else ""
        lines.append(f"{username.ljust(width)}  {labels.get(role, role)}{place}: {sees.get(username, '')}")
    return lines
