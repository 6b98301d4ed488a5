"""`childsafe replay`: run an assurance scenario's timeline through the real services and rules.

See ../shared/scenarios/FORMAT.md. The clock is simulated; between steps the worker's two jobs (outbox
delivery through a recording transport, and the rules sweep) run at least every 5 simulated minutes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import models

from childsafe.core import clock, engine, outbox
from childsafe.core.errors import AccessDenied, InvalidInput, Prompt, RuleRefusal
from childsafe.core.models import Alert, Area, OutboxMessage, Skill, User
from childsafe.core.roles import Role
from childsafe.core.services import user_create, user_skill_award
from childsafe.core.transports import RecordingTransport, use_transport
from childsafe.people import services as people_services
from childsafe.people.models import Organisation, Person
from childsafe.people.selectors import identity_cluster
from childsafe.people.vocabulary import OrganisationType
from childsafe.scenarios.loader import Node, ScenarioError, check_fields, line_of, load, parse_time

TICK = timedelta(minutes=5)
DEFAULT_TAIL = timedelta(days=7)

# Every rule ID RULES.md documents, by family and highest number, plus the platform's own (SYS).
DOCUMENTED_RULES = {"CR": 6, "MP": 13, "RF": 10, "INV": 8, "EX": 6, "PP": 4, "RSO": 8, "QG": 6, "PL": 4, "SYS": 2}
_RULE_ID = re.compile(r"^([A-Z]+)-(\d+)$")

TOP_FIELDS = {"id", "title", "start", "setup", "steps", "expect"}
SETUP_FIELDS = {"organisations", "users", "people", "relationships"}
ORG_FIELDS = {
    "key",
    "type",
    "name",
    "local_authority",
    "email",
    "urn",
    "key_adult_email",
    "key_adult_name",
    "calendar",
    "manager_email",
    "covers",
}
USER_FIELDS = {"key", "role", "area", "organisation", "name", "rank", "skills"}
REL_FIELDS = {"from", "to", "type"}
STEP_FIELDS = {"at", "as", "do", "with", "save"}
EXPECT_KINDS = {
    "alert": {"alert", "about", "on", "by"},
    "no_alert": {"no_alert", "about", "on", "by"},
    "refused": {"refused", "rule"},
    "done": {"done"},
    "shown": {"shown", "markers_include"},
    "prompted": {"prompted", "rule"},
    "notification": {"notification", "to", "by"},
    "no_notification": {"no_notification", "to"},
}


def rule_documented(rule_id: str) -> bool:
    match = _RULE_ID.match(str(rule_id))
    return (
        bool(match)
        and match.group(1) in DOCUMENTED_RULES
        and 1 <= int(match.group(2)) <= DOCUMENTED_RULES[match.group(1)]
    )


@dataclass
class StepResult:
    record: models.Model | None = None
    person_ids: list[int] = field(default_factory=list)
    prompts: list[Prompt] = field(default_factory=list)
    shown: dict[str, Any] = field(default_factory=dict)


@dataclass
class StepOutcome:
    index: int
    line: int
    verb: str
    at: datetime
    save: str | None
    done: bool
    result: StepResult | None = None
    rule: str | None = None
    message: str = ""


class Context:
    """What verbs see: the keyed world, the acting user, the step's time."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.organisations: dict[str, Organisation] = {}
        self.users: dict[str, User] = {}
        self.people: dict[str, Person] = {}
        self.saved: dict[str, StepOutcome] = {}
        self.actor: User | None = None
        self.now: datetime = clock.now()
        self.line = 0

    def error(self, message: str, line: int | None = None) -> ScenarioError:
        return ScenarioError(message, line or self.line, self.path)

    def time(self, value: Any) -> datetime:
        return parse_time(value, self.now, line=self.line, path=self.path)

    def person(self, key: Any) -> Person:
        if key not in self.people:
            raise self.error(f"There is no person with key {key!r} in setup.people.")
        return self.people[key]

    def organisation(self, key: Any) -> Organisation:
        if key not in self.organisations:
            raise self.error(f"There is no organisation with key {key!r} in setup.organisations.")
        return self.organisations[key]

    def user(self, key: Any) -> User:
        if key not in self.users:
            raise self.error(f"There is no user with key {key!r} in setup.users.")
        return self.users[key]

    def record(self, key: Any) -> models.Model:
        outcome = self.saved.get(key)
        if outcome is None:
            raise self.error(f"No step saved a record as {key!r} before this one.")
        if outcome.result is None or outcome.result.record is None:
            raise self.error(f"The step saved as {key!r} was refused, so there is no record to use.")
        return outcome.result.record

    def create_person(self, spec: dict[str, Any], *, actor: User | None) -> tuple[Person, list[Prompt]]:
        from childsafe.scenarios.verbs import REGISTRY

        line = line_of(spec, self.line)
        check_fields(
            spec, _person_fields(), "A person", self.path, required={"key", "name"} if actor is None else {"name"}
        )
        name = str(spec["name"]).strip()
        forenames, _, surname = name.rpartition(" ")
        if not forenames:
            raise self.error(f"Give {name!r} a first name and a last name.", line)
        address = spec.get("address")
        if address is not None:
            address = _rejoin_address(address)
            check_fields(address, {"line1", "town", "postcode"}, "An address", self.path, required={"line1", "town"})
        dob = spec.get("dob")
        try:
            created = people_services.person_create(
                actor=actor,
                forenames=forenames,
                surname=surname,
                date_of_birth=dob.isoformat() if isinstance(dob, date) else dob,
                sex=str(spec.get("sex", "unknown")),
                ethnicity_self_defined=str(spec.get("ethnicity", "") or ""),
                address=people_services.AddressInput(**{k: str(v) for k, v in address.items()}) if address else None,
                looked_after=bool(spec.get("looked_after", False)),
                placement=self.organisation(spec["lives_at"]) if spec.get("lives_at") else None,
                local_authority=self.organisation(spec["local_authority"]) if spec.get("local_authority") else None,
                school=self.organisation(spec["school"]) if spec.get("school") else None,
                duplicates_reviewed=actor is None,
                channel="replay",
            )
        except InvalidInput as exc:
            raise self.error("; ".join(f"{k}: {v}" for k, v in exc.errors.items()), line) from None
        person = created.person
        for marker in spec.get("markers", []) or []:
            try:
                people_services.marker_add(
                    actor=None, person=person, type=str(marker), source="Scenario setup", channel="replay"
                )
            except InvalidInput as exc:
                raise self.error(exc.errors.get("type", str(exc)), line_of(spec.get("markers"), line)) from None
        for name_, extension in REGISTRY.person_fields.items():
            if name_ in spec:
                extension.apply(self, person, spec[name_], line)
        if "key" in spec:
            if spec["key"] in self.people:
                raise self.error(f"The person key {spec['key']!r} is used twice.", line)
            self.people[spec["key"]] = person
        return person, created.prompts


def _rejoin_address(address: Any) -> Any:
    """`{line1: Flat 2, 9 Queen Street, town: ...}`: in a YAML flow mapping the comma inside an address
    line ends the value, and "9 Queen Street" becomes a key with no value. An address line is where
    commas are ordinary, so such a key is taken back into the field before it ("Flat 2, 9 Queen Street")
    rather than losing it. Any other unknown field is still an error."""
    if not isinstance(address, dict):
        return address
    joined: dict[str, Any] = {}
    last: str | None = None
    for key, value in address.items():
        if value is None and last is not None and key not in {"line1", "town", "postcode"}:
            joined[last] = f"{joined[last]}, {key}"
            continue
        joined[key] = value
        last = key
    node = Node(joined)
    node.line = line_of(address)
    return node


def _person_fields() -> set[str]:
    from childsafe.scenarios.verbs import REGISTRY

    return {
        "key",
        "name",
        "dob",
        "sex",
        "ethnicity",
        "address",
        "lives_at",
        "local_authority",
        "looked_after",
        "school",
        "markers",
    } | set(REGISTRY.person_fields)


@dataclass
class Report:
    id: str
    title: str
    path: str
    passed: bool = False
    expectations: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "passed": self.passed,
            "expectations": self.expectations,
            "alerts": self.alerts,
            "refused": self.refused,
            "notifications": self.notifications,
        }


class Replay:
    def __init__(self, text: str, path: str = "") -> None:
        from childsafe.scenarios.verbs import load_all

        self.registry = load_all()
        self.path = path
        self.doc = load(text, path)
        self.ctx = Context(path)
        self.outcomes: list[StepOutcome] = []
        self.transport = RecordingTransport()
        self._validate()

    @classmethod
    def from_file(cls, path: str | Path) -> Replay:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise ScenarioError(f"Can't read the scenario file: {exc.strerror}.", None, str(p)) from None
        return cls(text, str(p))

    # -- validation before anything runs: every mistake names its line ---------------------------
    def _validate(self) -> None:
        doc = self.doc
        check_fields(doc, TOP_FIELDS, "The scenario", self.path, required={"id", "start", "steps"})
        if not isinstance(doc["start"], datetime) or doc["start"].tzinfo is None:
            raise ScenarioError(
                "start must be a time with its UTC offset, like 2022-06-01T21:00:00+01:00.", line_of(doc), self.path
            )
        setup = doc.get("setup") or Node()
        check_fields(setup, SETUP_FIELDS, "setup", self.path)
        for step in doc.get("steps") or []:
            check_fields(step, STEP_FIELDS, "A step", self.path, required={"at", "as", "do"})
            name = step["do"]
            if name not in self.registry.verbs:
                known = ", ".join(sorted(self.registry.verbs))
                raise ScenarioError(
                    f"Unknown verb {name!r}. This version of Childsafe knows: {known}.", line_of(step), self.path
                )
            verb = self.registry.verbs[name]
            args = step.get("with") or Node()
            check_fields(args, set(verb.fields), f"The {name} step", self.path, required=set(verb.required))
        for exp in doc.get("expect") or []:
            kinds = [k for k in EXPECT_KINDS if k in exp]
            if len(kinds) != 1:
                raise ScenarioError(
                    f"An expectation needs exactly one of: {', '.join(EXPECT_KINDS)}.", line_of(exp), self.path
                )
            check_fields(exp, EXPECT_KINDS[kinds[0]], f"The {kinds[0]} expectation", self.path)
            rule = exp.get(kinds[0]) if kinds[0] in {"alert", "no_alert"} else exp.get("rule")
            if rule is not None and not rule_documented(rule):
                raise ScenarioError(
                    f"Unknown rule ID {rule!r}. Rule IDs are those in RULES.md, like MP-3.", line_of(exp), self.path
                )

    # -- running -------------------------------------------------------------------------------
    def run(self) -> Report:
        doc = self.doc
        start = doc["start"]
        clock.set_now(start)
        use_transport("email", self.transport)
        try:
            self.ctx.now = clock.now()
            self._setup(doc.get("setup") or Node())
            for index, step in enumerate(doc.get("steps") or []):
                at = parse_time(step["at"], start, line=line_of(step), path=self.path)
                if at < clock.now():
                    raise ScenarioError(
                        f"This step is at {at.isoformat()}, before the step above it; steps run in time order.",
                        line_of(step),
                        self.path,
                    )
                self._advance_to(at)
                self.outcomes.append(self._step(index, step, at))
            self._advance_to(self._end_time(start))
            return self._report()
        finally:
            use_transport("email", None)
            clock.set_now(None)

    def _setup(self, setup: Node) -> None:
        ctx = self.ctx
        for org in setup.get("organisations") or []:
            ctx.line = line_of(org)
            check_fields(org, ORG_FIELDS, "An organisation", self.path, required={"key", "type", "name"})
            if org["type"] not in OrganisationType.values:
                raise ctx.error(
                    f"{org['type']!r} is not an organisation type. Use one of: {', '.join(OrganisationType.values)}."
                )
            calendar = org.get("calendar")
            if isinstance(calendar, str):
                calendar = {"base": calendar}
            elif isinstance(calendar, dict):
                # YAML dates become strings: the calendar is stored as JSON, checked by the service.
                calendar = _plain(dict(calendar))
            try:
                ctx.organisations[org["key"]] = people_services.organisation_create(
                    actor=None,
                    type=org["type"],
                    name=str(org["name"]),
                    urn=str(org.get("urn", "")),
                    local_authority=ctx.organisation(org["local_authority"]) if org.get("local_authority") else None,
                    email=str(org.get("email", "")),
                    key_adult_email=str(org.get("key_adult_email", "")),
                    key_adult_name=str(org.get("key_adult_name", "")),
                    manager_email=str(org.get("manager_email", "")),
                    calendar=calendar,
                    covers=[str(c) for c in org.get("covers") or []] or None,
                    channel="replay",
                )
            except InvalidInput as exc:
                raise ctx.error("; ".join(f"{k}: {v}" for k, v in exc.errors.items())) from None
        areas = {a.code: a for a in Area.objects.all()}
        for spec in setup.get("users") or []:
            ctx.line = line_of(spec)
            check_fields(spec, USER_FIELDS, "A user", self.path, required={"key", "role"})
            if spec["role"] not in Role.values:
                raise ctx.error(f"{spec['role']!r} is not a role. Use one of: {', '.join(Role.values)}.")
            if spec.get("area") and spec["area"] not in areas:
                raise ctx.error(f"{spec['area']!r} is not a command area. Use one of: {', '.join(areas)}.")
            org = ctx.organisation(spec["organisation"]) if spec.get("organisation") else None
            skills = {s.code: s for s in Skill.objects.all()}
            unknown = [str(s) for s in spec.get("skills") or [] if s not in skills]
            if unknown:
                raise ctx.error(
                    f"{', '.join(map(repr, unknown))}: not in the skills registry. Use: {', '.join(sorted(skills))}."
                )
            try:
                user = ctx.users[spec["key"]] = user_create(
                    actor=None,
                    username=f"{spec['key']}",
                    role=spec["role"],
                    rank=str(spec.get("rank", "") or ""),
                    area=areas.get(spec.get("area", "")),
                    organisation_id=org.pk if org else None,
                    channel="replay",
                )
            except InvalidInput as exc:
                raise ctx.error("; ".join(f"{k}: {v}" for k, v in exc.errors.items())) from None
            for code in spec.get("skills") or []:
                # Awarded long before the scenario starts, with no expiry: the scenario is about the work.
                user_skill_award(actor=None, user=user, skill=skills[code], awarded_on=date(2000, 1, 1))
        for spec in setup.get("people") or []:
            ctx.line = line_of(spec)
            ctx.create_person(spec, actor=None)
        for spec in setup.get("relationships") or []:
            ctx.line = line_of(spec)
            check_fields(spec, REL_FIELDS, "A relationship", self.path, required={"from", "to", "type"})
            try:
                people_services.relationship_add(
                    actor=None,
                    from_person=ctx.person(spec["from"]),
                    to_person=ctx.person(spec["to"]),
                    type=str(spec["type"]),
                    source="Scenario setup",
                    channel="replay",
                )
            except InvalidInput as exc:
                raise ctx.error("; ".join(exc.errors.values())) from None

    def _step(self, index: int, step: Node, at: datetime) -> StepOutcome:
        ctx = self.ctx
        ctx.line = line_of(step)
        ctx.now = at
        ctx.actor = ctx.user(step["as"])
        verb = self.registry.verbs[step["do"]]
        outcome = StepOutcome(index, ctx.line, verb.name, at, step.get("save"), done=False)
        try:
            outcome.result = verb.run(ctx, dict(step.get("with") or {}))
            outcome.done = True
        except RuleRefusal as exc:
            outcome.rule, outcome.message = exc.rule_id, exc.message
        except InvalidInput as exc:
            outcome.rule, outcome.message = "INPUT", "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
        except AccessDenied as exc:
            outcome.rule, outcome.message = "ACCESS", exc.message
        if outcome.save:
            if outcome.save in ctx.saved:
                raise ctx.error(f"The name {outcome.save!r} is already used by an earlier step's save.")
            ctx.saved[outcome.save] = outcome
        return outcome

    def _advance_to(self, when: datetime) -> None:
        """Move the clock to `when`, running the worker's round at every moment something could change.

        That is every deadline a clock rule declares (its horizon), every message falling due, every
        escalation, and at least every 5 simulated minutes for a clock that declares no horizon. So an
        alert is raised at its deadline, never later than a worker sweeping every 5 minutes would.
        """
        while True:
            now = clock.now()
            self._tick()
            if now >= when:
                return
            upcoming = [t for t in (engine.next_change(now, fallback=TICK), outbox.next_due(now)) if t is not None]
            step_to = min([when, *upcoming])
            # Never stand still: a horizon at `now` means the tick above already dealt with it.
            clock.set_now(step_to if step_to > now else min(now + TICK, when))

    def _tick(self) -> None:
        # The worker's round, at simulated time: delivery stamps delivered_at with clock.now().
        outbox.deliver_due("replay")
        engine.sweep(holder="replay", use_lease=False)

    def _end_time(self, start: datetime) -> datetime:
        bys = [
            parse_time(e["by"], start, line=line_of(e), path=self.path)
            for e in self.doc.get("expect") or []
            if "by" in e
        ]
        last_step = max((o.at for o in self.outcomes), default=start)
        return max(bys) if bys else last_step + DEFAULT_TAIL

    # -- judging -------------------------------------------------------------------------------
    def _report(self) -> Report:
        doc = self.doc
        report = Report(id=str(doc["id"]), title=str(doc.get("title", "")), path=self.path)
        keys_by_person = {p.pk: k for k, p in self.ctx.people.items()}
        keys_by_org = {o.pk: k for k, o in self.ctx.organisations.items()}
        for alert in Alert.objects.order_by("raised_at", "pk"):
            report.alerts.append(
                {
                    "rule": alert.rule_id,
                    "about": keys_by_person.get(alert.person_id, alert.person_id),
                    "subject": f"{alert.subject_type}:{alert.subject_id}",
                    "reason": alert.reason,
                    "raised_at": alert.raised_at.isoformat(),
                    "cleared_at": alert.cleared_at.isoformat() if alert.cleared_at else None,
                }
            )
        for o in self.outcomes:
            if not o.done:
                report.refused.append(
                    {"step": o.save or f"step {o.index + 1} (line {o.line})", "rule": o.rule, "message": o.message}
                )
        for m in OutboxMessage.objects.order_by("created_at", "pk"):
            report.notifications.append(
                {
                    "kind": m.kind,
                    "to": keys_by_org.get(m.recipient_organisation_id, m.recipient),
                    "created_at": m.created_at.isoformat(),
                    "delivered_at": m.delivered_at.isoformat() if m.delivered_at else None,
                }
            )
        start = doc["start"]
        for exp in doc.get("expect") or []:
            held, note = self._judge(exp, start)
            report.expectations.append(
                {**{k: _plain(v) for k, v in exp.items()}, "held": held, **({"note": note} if note else {})}
            )
        report.passed = all(e["held"] for e in report.expectations)
        return report

    def _judge(self, exp: Node, start: datetime) -> tuple[bool, str]:
        ctx = self.ctx
        ctx.line = line_of(exp)
        by = parse_time(exp["by"], start, line=ctx.line, path=self.path) if "by" in exp else None
        if "alert" in exp or "no_alert" in exp:
            rule = exp.get("alert") or exp.get("no_alert")
            alerts = Alert.objects.filter(rule_id=rule)
            if "about" in exp:
                alerts = alerts.filter(Alert.about_q(identity_cluster(ctx.person(exp["about"]).pk)))
            if "on" in exp:
                record = ctx.record(exp["on"])
                alerts = alerts.filter(subject_type=record._meta.label_lower, subject_id=str(record.pk))
            if by is not None:
                alerts = alerts.filter(raised_at__lte=by)
            found = alerts.exists()
            if "alert" in exp:
                if found:
                    return True, ""
                if not engine.is_known(rule):
                    return False, f"rule {rule} is not implemented in this version yet"
                return False, "no such alert" + (f" by {by.isoformat()}" if by else "")
            return (not found), ("" if not found else "the alert was raised")
        if "refused" in exp or "done" in exp:
            key = exp.get("refused") or exp.get("done")
            outcome = ctx.saved.get(key)
            if outcome is None:
                raise ctx.error(f"No step saved as {key!r}.")
            if "done" in exp:
                return outcome.done, "" if outcome.done else f"refused by {outcome.rule}: {outcome.message}"
            if outcome.done:
                return False, "the step went through"
            return (exp.get("rule") in (None, outcome.rule)), f"refused by {outcome.rule}: {outcome.message}"
        if "prompted" in exp:
            outcome = ctx.saved.get(exp["prompted"])
            if outcome is None:
                raise ctx.error(f"No step saved as {exp['prompted']!r}.")
            prompts = outcome.result.prompts if outcome.result else []
            return any(p.rule_id == exp.get("rule") for p in prompts), ""
        if "shown" in exp:
            outcome = ctx.saved.get(exp["shown"])
            if outcome is None:
                raise ctx.error(f"No step saved as {exp['shown']!r}.")
            shown = set((outcome.result.shown if outcome.result else {}).get("markers", []))
            wanted = set(exp.get("markers_include") or [])
            missing = wanted - shown
            return not missing, f"not shown: {', '.join(sorted(missing))}" if missing else ""
        kind = exp.get("notification") or exp.get("no_notification")
        messages = OutboxMessage.objects.filter(kind=kind)
        if "to" in exp:
            messages = messages.filter(recipient_organisation_id=ctx.organisation(exp["to"]).pk)
        if "notification" in exp:
            if by is not None:
                messages = messages.filter(delivered_at__lte=by)
            else:
                messages = messages.filter(delivered_at__isnull=False)
            return messages.exists(), "" if messages.exists() else "not delivered" + (f" by {by}" if by else "")
        return not messages.exists(), "" if not messages.exists() else "a notification was created"


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
