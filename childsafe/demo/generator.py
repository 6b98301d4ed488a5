"""The synthetic demo force: made-up families in real North Yorkshire towns, for the demo and benchmarks.

Everything here is fiction drawn from one seed, so the same scale and seed give the same people
(names, households, markers, planted duplicates) and a benchmark or a bug report can be reproduced.
Dates of birth are drawn as ages on the day of generation, so a child in the demo is still a child
whatever day it is built; only the dates move.

Rows are written in bulk (`_insert`, a leaner bulk_create), a chunk of households at a time, inside
one transaction rather than one service call per person: at force scale (scale 160, about 800,000
residents) a service call each, with its duplicate check and audit row, would take hours. One
transaction means an interrupted run leaves nothing behind (on SQLite it also holds the write lock
until the end, so generate before starting the worker, as `childsafe demo` does), and the whole
generation is one act of collection, so it writes one audit event (DPA 2018 s62) carrying its counts.
Memory stays bounded: each chunk is planned, written and dropped; only small pools (streets per town,
recent suspected exploiters per area) outlive a chunk.

Planted duplicates (`plant_duplicates`) are children recorded twice with the errors officers make
(a surname misspelt by one letter, a nickname, day and month swapped, a hyphenated surname written
differently). Both records carry `synthetic_truth_id` = the original's id: the known truth that
linkage benchmarks score against. Some markers are put only on the duplicate, so "the knife marker
was on the other record" (PL-2, CR-4) happens in the demo as it did in the inspectorate's report.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from django.db import connection, models, transaction
from django.db.models import F
from faker import Faker
from tqdm import tqdm

from childsafe.core import audit, clock
from childsafe.core.models import Area, AuditCategory
from childsafe.people import identity, places, search_index
from childsafe.people.models import (
    ADULT_AGE,
    Location,
    Organisation,
    Person,
    PersonAddress,
    Relationship,
    SchoolEnrolment,
    WarningMarker,
)
from childsafe.people.vocabulary import MarkerType as M
from childsafe.people.vocabulary import OrganisationType, RelationshipType, Sex

DEFAULT_SEED = 20221201
PEOPLE_PER_SCALE = 5_000  # scale 1.0: the embedded demo force
CHILDREN_PER_SCHOOL = 250
MIN_SCHOOLS = 6
CHILDREN_PER_HOME = 2_000
MIN_HOMES = 3
CHUNK_PEOPLE = 2_500  # households are planned and written this many people at a time

# ---------------------------------------------------------------------------------------------
# Places. Population weights are rough shares of the real towns; outward postcodes are the real
# districts, inward codes are made up. Every town is in places.TOWN_AREAS, so each person gets an
# area (a test checks this).
TOWNS: dict[str, tuple[int, tuple[str, ...]]] = {
    "York": (120, ("YO1", "YO10", "YO23", "YO30", "YO31")),
    "Acomb": (22, ("YO24", "YO26")),
    "Haxby": (12, ("YO32",)),
    "Harrogate": (75, ("HG1", "HG2", "HG3")),
    "Knaresborough": (16, ("HG5",)),
    "Ripon": (17, ("HG4",)),
    "Skipton": (15, ("BD23",)),
    "Settle": (3, ("BD24",)),
    "Selby": (18, ("YO8",)),
    "Tadcaster": (6, ("LS24",)),
    "Scarborough": (60, ("YO11", "YO12", "YO13")),
    "Whitby": (13, ("YO21", "YO22")),
    "Filey": (7, ("YO14",)),
    "Pickering": (7, ("YO18",)),
    "Malton": (13, ("YO17",)),
    "Northallerton": (17, ("DL6", "DL7")),
    "Thirsk": (5, ("YO7",)),
    "Richmond": (8, ("DL10",)),
    "Catterick": (14, ("DL9",)),
    "Bedale": (4, ("DL8",)),
}
TOWN_NAMES = list(TOWNS)
TOWN_CUM_WEIGHTS: list[int] = []
for _town in TOWN_NAMES:
    TOWN_CUM_WEIGHTS.append((TOWN_CUM_WEIGHTS[-1] if TOWN_CUM_WEIGHTS else 0) + TOWNS[_town][0])
YORK_TOWNS = ("York", "Acomb", "Haxby")  # City of York Council; every other town is North Yorkshire Council
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters Royal Mail uses in inward codes

STREET_STEMS = (
    "Church", "Mill", "Station", "Castle", "Abbey", "Moor", "Ouse", "Foss", "Manor", "Orchard", "Chapel",
    "Market", "Bridge", "Beck", "Priory", "Minster", "Heworth", "Eldon", "Westfield", "Park", "Hill",
    "Windmill", "Lowther", "Bootham", "Clifton", "Nunnery", "Tower", "Dale", "Kirk", "Ings", "Carr",
    "Willow", "Beech", "Oak", "Ash", "Hawthorn", "Rowan", "Heather", "Ripley", "Fountains", "Swale",
    "Nidd", "Wharfe", "Esk", "Derwent", "Rye", "Aire", "Ure", "Cleveland", "Howard", "Victoria", "Albert",
)  # fmt: skip
STREET_SUFFIXES = (
    "Street", "Road", "Lane", "Avenue", "Close", "Drive", "Grove", "Way", "Terrace", "Crescent",
    "Court", "Gardens", "Walk", "Gate", "Garth", "Place", "View", "Mews",
)  # fmt: skip

# ---------------------------------------------------------------------------------------------
# Names. Adults' names come from Faker en_GB (seeded); children's from recent birth registrations,
# including the formal names whose short forms make realistic duplicates.
GIRLS = (
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Rosie", "Sophia", "Grace",
    "Freya", "Willow", "Florence", "Emily", "Ella", "Poppy", "Evie", "Elsie", "Charlotte", "Evelyn",
    "Sienna", "Jessica", "Rebecca", "Elizabeth", "Katherine", "Abigail", "Eleanor", "Harper", "Millie",
    "Daisy", "Phoebe", "Ruby", "Chloe", "Megan", "Holly", "Lucy", "Niamh", "Erin", "Maisie", "Summer",
    "Layla", "Matilda", "Scarlett", "Hannah", "Zara", "Imogen", "Kayla", "Paige", "Courtney",
)  # fmt: skip
BOYS = (
    "Noah", "Oliver", "George", "Arthur", "Muhammad", "Leo", "Harry", "Oscar", "Archie", "Henry",
    "Theo", "Freddie", "Jack", "Charlie", "Thomas", "William", "Jayden", "Joshua", "Daniel",
    "Alexander", "Samuel", "Jacob", "Alfie", "Finley", "Riley", "Tyler", "Kai", "Logan", "Mason",
    "Ethan", "Benjamin", "Joseph", "James", "Lucas", "Max", "Matthew", "Harrison", "Frederick",
    "Nathaniel", "Christopher", "Reece", "Callum", "Connor", "Lewis", "Jordan", "Bradley", "Kieran",
    "Owen", "Dylan", "Jake",
)  # fmt: skip
# Short forms officers write instead of the formal name. Some are in identity.NICKNAMES (the
# matcher knows them), some are not yet: both kinds are real, and the benchmark should see both.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "Jayden": ("Jay",),
    "William": ("Will", "Liam"),
    "Thomas": ("Tom", "Tommy"),
    "Joshua": ("Josh",),
    "Daniel": ("Danny", "Dan"),
    "Alexander": ("Alex",),
    "Samuel": ("Sam",),
    "Charlotte": ("Charlie", "Lottie"),
    "Jessica": ("Jess",),
    "Rebecca": ("Becky",),
    "Elizabeth": ("Lizzie", "Beth"),
    "Katherine": ("Kate", "Katie"),
    "Muhammad": ("Mohammed",),
    "Mohammed": ("Muhammad",),
    "Oliver": ("Ollie",),
    "Benjamin": ("Ben",),
    "Joseph": ("Joe",),
    "James": ("Jamie",),
    "Jacob": ("Jake",),
    "Isabella": ("Bella", "Izzy"),
    "Olivia": ("Liv",),
    "Matthew": ("Matt",),
    "Harrison": ("Harry",),
    "Frederick": ("Freddie",),
    "Nathaniel": ("Nate",),
    "Christopher": ("Chris",),
    "Abigail": ("Abbie",),
    "Eleanor": ("Ellie",),
    "Robert": ("Rob", "Bobby"),
    "Kathryn": ("Katie",),
}

# Self-defined ethnicity (18+1) by household: roughly North Yorkshire and York at the 2021 census.
# "Not stated" (NS) is drawn per person on top, as it is on police records.
ETHNICITY_WEIGHTS = {
    "W1": 875, "W2": 4, "W3": 2, "W9": 35, "M1": 4, "M2": 2, "M3": 5, "M9": 4, "A1": 6, "A2": 3,
    "A3": 2, "A4": 8, "A9": 5, "B1": 1, "B2": 3, "B9": 1, "O2": 2, "O9": 3,
}  # fmt: skip
NOT_STATED_RATE = 0.06
ETHNICITY_CODES = list(ETHNICITY_WEIGHTS)
ETHNICITY_CUM: list[int] = []
for _code in ETHNICITY_CODES:
    ETHNICITY_CUM.append((ETHNICITY_CUM[-1] if ETHNICITY_CUM else 0) + ETHNICITY_WEIGHTS[_code])
# (male forenames, female forenames, surnames) for groups whose names Faker en_GB doesn't cover.
NAME_POOLS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "A1": (
        ("Arjun", "Rohan", "Vikram", "Aarav", "Dev", "Rahul", "Sanjay"),
        ("Priya", "Anjali", "Divya", "Meera", "Kavya", "Sunita"),
        ("Patel", "Sharma", "Singh", "Gupta", "Mistry", "Chauhan", "Joshi"),
    ),
    "A2": (
        ("Muhammad", "Mohammed", "Ali", "Hassan", "Ibrahim", "Yusuf", "Zain", "Ayaan", "Imran", "Bilal"),
        ("Aisha", "Fatima", "Maryam", "Zainab", "Hafsa", "Amira", "Sana", "Noor"),
        ("Khan", "Hussain", "Ahmed", "Ali", "Akhtar", "Iqbal", "Mahmood", "Rashid", "Butt"),
    ),
    "A3": (
        ("Abdul", "Rahim", "Sajid", "Tanvir", "Mohammed"),
        ("Nusrat", "Taslima", "Ruksana", "Shirin"),
        ("Miah", "Rahman", "Uddin", "Islam", "Begum", "Chowdhury"),
    ),
    "A4": (
        ("Wei", "Jun", "Hao", "Ming", "Jian"),
        ("Mei", "Lin", "Hui", "Xiu", "Yan"),
        ("Wang", "Li", "Chen", "Zhang", "Liu", "Wong", "Cheung"),
    ),
    "W9": (
        ("Jakub", "Kacper", "Piotr", "Andrei", "Mateusz", "Tomasz", "Lukas"),
        ("Oliwia", "Zuzanna", "Agnieszka", "Maria", "Elena", "Anna"),
        ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Popescu", "Ionescu", "Kaminski", "Novak"),
    ),
    "B2": (
        ("Chidi", "Kwame", "Tendai", "Ade", "Kofi", "Emeka"),
        ("Amara", "Chioma", "Ama", "Ngozi", "Adwoa"),
        ("Okafor", "Adeyemi", "Mensah", "Mwangi", "Osei", "Boateng"),
    ),
    "O2": (
        ("Omar", "Khalid", "Tariq", "Sami"),
        ("Layla", "Noor", "Yasmin", "Rania"),
        ("Haddad", "Nasser", "Saleh", "Mansour", "Darwish"),
    ),
}
# The second parent's self-defined code in a mixed household (the children carry the M code).
MIXED_PARENT = {"M1": "B1", "M2": "B2", "M3": "A9", "M9": "O9"}
# What an officer would record as observed ethnicity for someone with police contact.
OBSERVED = {
    "W1": "IC1", "W2": "IC1", "W3": "IC1", "W9": "IC1", "M1": "IC3", "M2": "IC3", "M3": "IC9", "M9": "IC9",
    "A1": "IC4", "A2": "IC4", "A3": "IC4", "A4": "IC5", "A9": "IC4", "B1": "IC3", "B2": "IC3", "B9": "IC3",
    "O2": "IC6", "O9": "IC9", "NS": "IC1",
}  # fmt: skip

# ---------------------------------------------------------------------------------------------
# Households: (kind, weight). Tuned so that about 22% of residents are children.
HOUSEHOLD_KINDS = ("single", "couple", "couple_kids", "lone_parent", "adult_child", "foster")
HOUSEHOLD_WEIGHTS = (350, 305, 170, 66, 62, 3)
HOUSEHOLD_CUM: list[int] = []
for _w in HOUSEHOLD_WEIGHTS:
    HOUSEHOLD_CUM.append((HOUSEHOLD_CUM[-1] if HOUSEHOLD_CUM else 0) + _w)
KIDS_COUNT = (1, 2, 3, 4)
KIDS_CUM = (42, 82, 95, 100)

# Warning markers: the chance a person has each one. Exploitation is planted by quota below so
# that even a small demo has its exploited teenagers and their exploiters.
ADULT_MARKERS = (
    (M.VIOLENCE, 0.025), (M.DOMESTIC_ABUSE, 0.02), (M.DRUGS, 0.02), (M.MENTAL_HEALTH, 0.025),
    (M.SUICIDE, 0.008), (M.KNIVES, 0.005), (M.WEAPONS, 0.003), (M.FIREARMS, 0.0015),
    (M.SEXUAL_OFFENDER, 0.003), (M.ALLEGES, 0.002), (M.ESCAPE_RISK, 0.001), (M.DISABILITY, 0.01),
)  # fmt: skip
TEEN_MARKERS = (
    (M.MENTAL_HEALTH, 0.03), (M.SUICIDE, 0.012), (M.DRUGS, 0.01), (M.KNIVES, 0.005),
    (M.VIOLENCE, 0.008), (M.MISSING, 0.01), (M.DISABILITY, 0.02),
)  # fmt: skip
YOUNG_CHILD_MARKERS = ((M.DISABILITY, 0.02), (M.MENTAL_HEALTH, 0.002))
AT_RISK_TEEN_RATE = 0.035  # "a few per cent of teenagers have exploitation markers"
AT_RISK_PLACED_RATE = 0.25  # children placed in homes are far more often exploited (and go missing)
EXPLOITATION_MARKERS = ((M.CSE, 3), (M.CCE, 3), (M.COUNTY_LINES, 2), (M.MISSING, 3), (M.DRUGS, 1),
                        (M.TRAFFICKING, 0.2), (M.DEBT_BONDAGE, 0.2))  # fmt: skip
EXPLOITER_RATE_MALE = 0.006  # of adults aged 18-45
EXPLOITER_RATE_FEMALE = 0.0015
CCE_EXPLOITER_MARKERS = ((M.COUNTY_LINES, 0.7), (M.DRUGS, 0.8), (M.VIOLENCE, 0.6), (M.KNIVES, 0.4),
                         (M.FIREARMS, 0.05))  # fmt: skip
CSE_EXPLOITER_MARKERS = ((M.SEXUAL_OFFENDER, 0.6), (M.VIOLENCE, 0.3), (M.DRUGS, 0.3))
DUPLICATE_ONLY_MARKERS = (M.MISSING, M.CSE, M.CCE, M.COUNTY_LINES, M.KNIVES, M.SUICIDE)
DUPLICATE_ERRORS = ("misspelt_surname", "nickname", "dob_transposed", "hyphenated_surname")
DUPLICATE_ERROR_CUM = (25, 65, 82, 100)
MARKER_SOURCES = ("Intelligence log {n}", "Occurrence {y}/{n}", "PNC warning marker", "MASH referral {n}",
                  "Custody record {n}", "Strategy meeting {y}/{n}")  # fmt: skip

PRIMARY_STEMS = (
    "St Mary's Church of England", "St Peter's Catholic", "Westfield Community", "Park Grove", "Hill Top",
    "Riverside", "Oakwood", "Moorside", "Abbey", "Castle", "Brookfield", "Meadowbank", "Holy Trinity",
    "St Wilfrid's", "St Hilda's", "Greenfield", "Ashfield", "Millfield", "Orchard", "Priory", "Valley",
    "Woodlands", "Springbank", "Bishopthorpe", "Fishergate", "Badger Hill", "Carr", "Lakeside",
)  # fmt: skip
SECONDARY_KINDS = ("Academy", "High School", "School", "Community College", "Grammar School")
SECONDARY_STEMS = ("Manor", "St Aidan's", "All Saints", "Archbishop Holgate's", "King James's", "Rossett",
                   "Stokesley", "George Pindar", "Caedmon", "Outwood", "Brayton", "Ryedale")  # fmt: skip
HOME_STEMS = ("Beech", "Rowan", "Hawthorn", "Willow", "Heather", "Larch", "Elm", "Cedar", "Oak", "Ash",
              "Birch", "Holly", "Juniper", "Maple", "Linden", "Alder", "Hazel", "Laurel")  # fmt: skip
HOME_SUFFIXES = ("House", "Lodge", "View", "Court")

LOCAL_AUTHORITIES = {
    # key: (name, children's services front door, manager contact for MP-10's escalation, area code)
    "north_yorkshire": (
        "North Yorkshire Council",
        "childrens.services@northyorks.gov.test",
        "cs.manager@northyorks.gov.test",
        None,
    ),
    "york": ("City of York Council", "mash@york.gov.test", "mash.manager@york.gov.test", "city"),
}


@dataclass
class GenerationReport:
    """What a generation made. `people` are distinct synthetic individuals; planted duplicates are
    extra records of some of them, so Person rows = people + duplicates."""

    seed: int
    scale: float
    people: int = 0
    adults: int = 0
    children: int = 0
    households: int = 0
    locations: int = 0
    local_authorities: int = 0
    schools: int = 0
    childrens_homes: int = 0
    enrolments: int = 0
    looked_after: int = 0
    placed_in_homes: int = 0
    relationships: Counter[str] = field(default_factory=Counter)
    markers: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    duplicate_errors: Counter[str] = field(default_factory=Counter)
    duplicate_only_markers: int = 0
    seconds: float = 0.0
    history: Any = None  # childsafe.demo.history.HistoryReport when history was asked for
    offenders: int = 0  # registered sex offenders, with their history (childsafe.offenders.demo)
    case_audits: int = 0  # graded case audits over the five years (childsafe.demo.clocks)

    @property
    def person_records(self) -> int:
        return self.people + self.duplicates

    def as_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "scale": self.scale,
            "people": self.people,
            "adults": self.adults,
            "children": self.children,
            "person_records": self.person_records,
            "households": self.households,
            "locations": self.locations,
            "local_authorities": self.local_authorities,
            "schools": self.schools,
            "childrens_homes": self.childrens_homes,
            "enrolments": self.enrolments,
            "looked_after": self.looked_after,
            "placed_in_homes": self.placed_in_homes,
            "relationships": dict(sorted(self.relationships.items())),
            "markers": dict(sorted(self.markers.items())),
            "duplicates": self.duplicates,
            "duplicate_errors": dict(sorted(self.duplicate_errors.items())),
            "duplicate_only_markers": self.duplicate_only_markers,
            "seconds": round(self.seconds, 1),
        }

    def lines(self) -> list[str]:
        def breakdown(counter: Counter[str]) -> str:
            return ", ".join(f"{k} {v:,}" for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))

        return [
            f"Synthetic force generated in {self.seconds:.1f} s (scale {self.scale:g}, seed {self.seed}).",
            f"  People:              {self.people:,} ({self.adults:,} adults, {self.children:,} children)",
            f"  Households:          {self.households:,} at {self.locations:,} addresses",
            f"  Local authorities:   {self.local_authorities:,}",
            f"  Schools:             {self.schools:,} ({self.enrolments:,} pupils enrolled)",
            f"  Children's homes:    {self.childrens_homes:,} ({self.placed_in_homes:,} children placed)",
            f"  Looked-after:        {self.looked_after:,}",
            f"  Relationships:       {sum(self.relationships.values()):,} ({breakdown(self.relationships)})",
            f"  Warning markers:     {sum(self.markers.values()):,} ({breakdown(self.markers)})",
            f"  Planted duplicates:  {self.duplicates:,} ({breakdown(self.duplicate_errors) or 'none'}; "
            f"{self.duplicate_only_markers:,} with a marker only on the duplicate)",
            *(self.history.lines() if self.history else []),
            *([f"  Registered offenders: {self.offenders:,}"] if self.offenders else []),
            *([f"  Case audits graded: {self.case_audits:,}"] if self.case_audits else []),
        ]


def generate(
    *,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    progress: bool = True,
    plant_duplicates: float = 0.02,
    history: float = 0.0,
) -> GenerationReport:
    """Build a synthetic force of about 5,000 x `scale` people. All or nothing, one audit event.

    `history` above 0 adds five years of records (childsafe.demo.history): closed incidents, missing
    episodes, PPNs, Encompass notifications and cleared alerts, `history` times a force's usual volume,
    plus today's open caseload. 0 (the default) is people only.
    """
    if not scale > 0:
        raise ValueError("The scale must be more than 0 (1 is the demo force of about 5,000 people).")
    if not 0 <= plant_duplicates <= 0.5:
        raise ValueError("plant_duplicates is a fraction of children between 0 and 0.5 (0.02 is 2%).")
    if history < 0:
        raise ValueError("history is a multiplier of five years' closed records: 0 (none), 1 (usual) or more.")
    with transaction.atomic():
        report = _ForceBuilder(scale=scale, seed=seed, progress=progress, plant_duplicates=plant_duplicates).run()
        if history > 0:
            from childsafe.demo.history import generate_history

            started = time.monotonic()
            report.history = generate_history(scale=scale, history=history, seed=seed, progress=progress)
            from childsafe.protection.demo import generate_protections

            generate_protections(scale=scale, seed=seed)
            from childsafe.investigations.demo import generate_investigations

            # Investigations and their DFU backlog: closed ones over the five years, today's open caseload.
            generate_investigations(scale=scale, history=history, seed=seed)
            from childsafe.offenders.demo import generate_offenders

            report.offenders = generate_offenders(seed=seed)
            from childsafe.demo.clocks import generate_audit_history

            # Five years of case audits, graded as each year was (QG-2): inadequate early on, mostly good now.
            report.case_audits = generate_audit_history(seed=seed, now=clock.now())
            report.seconds += time.monotonic() - started
    return report


# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Org:
    id: int
    town: str
    area_code: str | None
    phase: str  # schools: "primary" or "secondary"
    la_id: int | None
    location_id: int | None = None


@dataclass
class _Member:
    forenames: str
    surname: str
    dob: date
    sex: str
    ethnicity: str
    age: int
    looked_after: bool = False
    placement_id: int | None = None
    local_authority_id: int | None = None
    markers: list[str] = field(default_factory=list)
    exploiter: str = ""  # "cce" or "cse" for an adult planted as a suspected exploiter
    at_risk: str = ""  # "cce" or "cse" for a teenager planted as exploited
    alt_surname: str = ""  # the other parent's surname, for a hyphenated-surname duplicate
    school_id: int | None = None
    school_from: date | None = None
    person_id: int | None = None

    @property
    def child(self) -> bool:
        return self.age < ADULT_AGE


@dataclass
class _Household:
    town: str
    area_id: int | None
    address: tuple[Any, ...] | None  # a new Location's values (LOCATION_COLUMNS), or None for a home
    members: list[_Member]
    relationships: list[tuple[int, int, str]]  # (from member index, to member index, type)
    moved_in: date
    location_id: int | None = None


LOCATION_COLUMNS = ("line1", "town", "postcode", "normalised", "area_id")
PERSON_COLUMNS = (
    "forenames", "surname", "date_of_birth", "sex", "ethnicity_self_defined", "ethnicity_observed",
    "looked_after", "placement_id", "local_authority_id", "area_id", "surname_key", "forename_key",
    "created_at", "synthetic_truth_id", "surname_norm", "forename_norm",
)  # fmt: skip
ADDRESS_COLUMNS = ("person_id", "location_id", "valid_from")
RELATIONSHIP_COLUMNS = ("from_person_id", "to_person_id", "type", "valid_from", "source", "created_at")
MARKER_COLUMNS = ("person_id", "type", "start_date", "review_date", "end_date", "source", "created_at")
ENROLMENT_COLUMNS = ("person_id", "school_id", "valid_from")


def _insert(
    model: type[models.Model], names: tuple[str, ...], rows: list[tuple[Any, ...]], *, returning: bool = False
) -> list[int]:
    """Insert rows of ready-to-store values; return the new ids in row order if asked.

    The lean cousin of bulk_create. bulk_create prepares every value through its field, which is most
    of the cost at force scale; here the caller prepares values once (dates through the connection's
    adapter) and every column not given takes its field's default, so a field added later with a
    default still works. Rows without ids go through executemany (SQLite's C loop; a psycopg
    pipeline on PostgreSQL). Rows whose ids we need: multi-row VALUES ... RETURNING on SQLite (3.35+),
    which returns them in VALUES order as bulk_create relies on; on PostgreSQL one short statement per
    row in a pipeline, because psycopg's client-side binding re-parses a long multi-row statement on
    every call (about five times slower here).
    """
    if not rows:
        return []
    meta = model._meta
    given = [meta.get_field(name) for name in names]
    given_names = {f.name for f in given}
    rest = [
        f
        for f in meta.concrete_fields
        if not f.primary_key and f.name not in given_names and f.db_default is models.NOT_PROVIDED
    ]
    constants = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in [*given, *rest])
    placeholders = "(" + ", ".join(["%s"] * (len(given) + len(rest))) + ")"
    head = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES "  # noqa: S608 - names from our own models
    tail = f" RETURNING {qn(meta.pk.column)}"
    ids: list[int] = []
    with connection.cursor() as cursor:
        if not returning:
            cursor.executemany(head + placeholders, [(*row, *constants) for row in rows])
        elif connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's own cursor: executemany(returning=True) is not in Django's wrapper
            raw.executemany(head + placeholders + tail, [(*row, *constants) for row in rows], returning=True)
            while True:
                ids.append(raw.fetchone()[0])
                if not raw.nextset():
                    break
        else:
            per_statement = max(1, connection.ops.bulk_batch_size([*given, *rest], rows))
            for start in range(0, len(rows), per_statement):
                batch = rows[start : start + per_statement]
                params = [value for row in batch for value in (*row, *constants)]
                cursor.execute(head + ", ".join([placeholders] * len(batch)) + tail, params)
                ids.extend(row[0] for row in cursor.fetchall())
    if len(ids) != (len(rows) if returning else 0):
        raise RuntimeError(f"Inserted {len(rows)} {meta.verbose_name_plural} but got {len(ids)} ids back.")
    return ids


@lru_cache(maxsize=50_000)
def _key(name: str) -> str:
    return identity.phonetic_key(name)


@lru_cache(maxsize=50_000)
def _surname_norm(name: str) -> str:
    return identity.surname_norm(name)


@lru_cache(maxsize=50_000)
def _forename_norm(name: str) -> str:
    return identity.forename_norm(name)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _slug(text: str, limit: int = 40) -> str:
    ascii_text = identity.normalise(text).replace(" ", "-")
    return re.sub(r"-+", "-", ascii_text).strip("-")[:limit].strip("-") or "org"


class _ForceBuilder:
    def __init__(self, *, scale: float, seed: int, progress: bool, plant_duplicates: float) -> None:
        self.rng = random.Random(seed)
        fake = Faker("en_GB")
        # Per instance, so that seeding here never disturbs other users of Faker in the process.
        fake.seed_instance(seed)
        self.male_names = [fake.first_name_male() for _ in range(600)]
        self.female_names = [fake.first_name_female() for _ in range(600)]
        self.surnames = [fake.last_name() for _ in range(2_500)]
        self.report = GenerationReport(seed=seed, scale=scale)
        self.scale = scale
        self.seed = seed
        self.progress = progress
        self.plant_duplicates = plant_duplicates
        self.target = max(1, round(PEOPLE_PER_SCALE * scale))
        self.expected_children = self.target * 0.22
        self.today = clock.today_london()
        self.now = clock.now()
        self.created_at = connection.ops.adapt_datetimefield_value(self.now)
        self.area_ids: dict[str, int] = {}
        self.la_ids: dict[str, int] = {}
        self.schools: list[_Org] = []
        self.school_index: dict[tuple[str, str | None], list[_Org]] = {}
        self.homes: list[_Org] = []
        # Streets per town: [name, postcode, next house number, last number]; full ones are dropped.
        self.open_streets: dict[str, list[list[Any]]] = {t: [] for t in TOWN_NAMES}
        self.street_names: dict[str, set[tuple[str, str]]] = {t: set() for t in TOWN_NAMES}
        # Quotas carry their fraction from one person to the next, so a small force still gets its
        # share (rounded) of rare things, and the first eligible person gets the first one.
        self.exploiter_quota = 0.999
        self.at_risk_quota = 0.999
        self.duplicate_quota = 0.5 if plant_duplicates else 0.0
        # Suspected exploiters and exploited teenagers seen recently, by (area, kind), for linking.
        self.exploiters: dict[tuple[str, str], deque[int]] = {}
        self.exploited: dict[tuple[str, str], deque[int]] = {}
        self.pending_links: list[tuple[int, str, str]] = []  # (teen person id, area, kind)

    # -- the run ------------------------------------------------------------------------------
    def run(self) -> GenerationReport:
        started = time.monotonic()
        with (
            tqdm(
                total=self.target, unit=" people", disable=not self.progress, desc="Generating the synthetic force"
            ) as bar,
            transaction.atomic(),
        ):
            self.area_ids = {a.code: a.pk for a in Area.objects.all()}
            self._local_authorities()
            self._schools()
            self._homes()
            pending_homes = list(self.homes)
            while self.report.people < self.target:
                households: list[_Household] = []
                planned = 0
                # Children's homes' residents come in the first chunk, then ordinary households.
                while pending_homes and planned < CHUNK_PEOPLE:
                    household = self._plan_home(pending_homes.pop(0))
                    households.append(household)
                    planned += len(household.members)
                while planned < CHUNK_PEOPLE and self.report.people + planned < self.target:
                    household = self._plan_household()
                    households.append(household)
                    planned += len(household.members)
                self._write_chunk(households)
                bar.update(min(planned, bar.total - bar.n))
            self._link_exploited(final=True)
            search_index.rebuild()  # the name dictionary for every name just written
            self.report.seconds = time.monotonic() - started
            audit.record(
                actor=None,
                category=AuditCategory.COLLECTION,
                event_type="demo.generate",
                subject_type="demo",
                subject_id=self.seed,
                new={**self.report.as_dict(), "plant_duplicates": self.plant_duplicates},
                channel="cli",
            )
        return self.report

    # -- organisations --------------------------------------------------------------------------
    def _local_authorities(self) -> None:
        for key, (name, email, manager, area_code) in LOCAL_AUTHORITIES.items():
            existing = Organisation.objects.filter(type=OrganisationType.LOCAL_AUTHORITY, name=name).first()
            if existing is None:
                existing = Organisation(
                    type=OrganisationType.LOCAL_AUTHORITY,
                    name=name,
                    email=email,
                    manager_email=manager,
                    area_id=self.area_ids.get(area_code) if area_code else None,
                )
                existing.full_clean()
                existing.save()
                self.report.local_authorities += 1
            self.la_ids[key] = existing.pk

    def _la_for_town(self, town: str) -> int:
        return self.la_ids["york" if town in YORK_TOWNS else "north_yorkshire"]

    def _area_for_town(self, town: str) -> str | None:
        return places.area_code_for_town(town)

    def _org_location(self, name: str, town: str) -> Location:
        street = self._street(town)
        number = street[2]
        street[2] += 1
        line1 = f"{number} {street[0]}"
        location = Location(
            name=name,
            line1=line1,
            town=town,
            postcode=street[1],
            normalised=places.location_key(name, line1, "", town, street[1]),
            area_id=self.area_ids.get(self._area_for_town(town) or ""),
        )
        location.save()
        self.report.locations += 1
        return location

    def _schools(self) -> None:
        rng = self.rng
        count = max(MIN_SCHOOLS, round(self.expected_children / CHILDREN_PER_SCHOOL))
        secondaries = max(3, round(count * 0.2))
        phases = ["primary"] * (count - secondaries) + ["secondary"] * secondaries
        used_urns = set(Organisation.objects.exclude(urn="").values_list("urn", flat=True))
        used_names: set[str] = set(
            Organisation.objects.filter(type=OrganisationType.SCHOOL).values_list("name", flat=True)
        )
        # Each area gets a school of each phase in its biggest town first; the rest go where people live.
        biggest = {}
        for town in TOWN_NAMES:
            area = self._area_for_town(town)
            if area and (area not in biggest or TOWNS[town][0] > TOWNS[biggest[area]][0]):
                biggest[area] = town
        first_towns = [biggest[a] for a in sorted(biggest)]
        seen_phase: Counter[str] = Counter()
        for phase in phases:
            index = seen_phase[phase]
            seen_phase[phase] += 1
            town = first_towns[index] if index < len(first_towns) else self._town()
            name = self._school_name(phase, town, used_names)
            urn = str(rng.randint(100_000, 149_999))
            while urn in used_urns:
                urn = str(rng.randint(100_000, 149_999))
            used_urns.add(urn)
            slug = _slug(name)
            first = rng.choice(self.female_names if rng.random() < 0.7 else self.male_names)
            last = rng.choice(self.surnames)
            school = Organisation(
                type=OrganisationType.SCHOOL,
                name=name,
                urn=urn,
                local_authority_id=self._la_for_town(town),
                email=f"office@{slug}.sch.test",
                key_adult_name=f"{first} {last}",
                key_adult_email=f"{_slug(first, 20)}.{_slug(last, 20)}@{slug}.sch.test".replace("-", ""),
                calendar={"base": "england_default"},
                location=self._org_location(name, town),
                area_id=self.area_ids.get(self._area_for_town(town) or ""),
            )
            school.full_clean()
            school.save()
            self.report.schools += 1
            entry = _Org(
                school.pk, town, self._area_for_town(town), phase, school.local_authority_id, school.location_id
            )
            self.schools.append(entry)
            for key in ((phase, town), (phase, entry.area_code), (phase, None)):
                self.school_index.setdefault(key, []).append(entry)

    def _school_name(self, phase: str, town: str, used: set[str]) -> str:
        rng = self.rng
        for attempt in range(30):
            if phase == "primary":
                stem = rng.choice(PRIMARY_STEMS)
                name = f"{stem} Primary School" if attempt < 5 else f"{town} {stem} Primary School"
            else:
                kind = rng.choice(SECONDARY_KINDS)
                name = f"{town} {kind}" if attempt < 3 else f"{rng.choice(SECONDARY_STEMS)} {kind}, {town}"
            if name not in used:
                used.add(name)
                return name
        name = f"{town} {phase.title()} School {len(used) + 1}"
        used.add(name)
        return name

    def _homes(self) -> None:
        rng = self.rng
        count = max(MIN_HOMES, round(self.expected_children / CHILDREN_PER_HOME))
        used: set[str] = set(
            Organisation.objects.filter(type=OrganisationType.CHILDRENS_HOME).values_list("name", flat=True)
        )
        for _ in range(count):
            town = self._town()
            name = f"{rng.choice(HOME_STEMS)} {rng.choice(HOME_SUFFIXES)}"
            if name in used:
                name = f"{name}, {town}"
            if name in used:
                name = f"{name} {len(used) + 1}"
            used.add(name)
            home = Organisation(
                type=OrganisationType.CHILDRENS_HOME,
                name=name,
                local_authority_id=self._la_for_town(town),
                email=f"manager@{_slug(name)}.homes.test",
                location=self._org_location(name, town),
                area_id=self.area_ids.get(self._area_for_town(town) or ""),
            )
            home.full_clean()
            home.save()
            self.report.childrens_homes += 1
            self.homes.append(
                _Org(home.pk, town, self._area_for_town(town), "", home.local_authority_id, home.location_id)
            )

    # -- planning households (pure Python, no queries) -------------------------------------------
    def _town(self) -> str:
        return self.rng.choices(TOWN_NAMES, cum_weights=TOWN_CUM_WEIGHTS)[0]

    def _street(self, town: str) -> list[Any]:
        rng = self.rng
        streets = self.open_streets[town]
        while len(streets) < 12:
            for _ in range(50):
                stem = rng.choice(STREET_STEMS) if rng.random() < 0.4 else rng.choice(self.surnames)
                name = f"{stem} {rng.choice(STREET_SUFFIXES)}"
                outward = rng.choice(TOWNS[town][1])
                postcode = f"{outward} {rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
                if (name, postcode) not in self.street_names[town]:
                    break
            self.street_names[town].add((name, postcode))
            streets.append([name, places.normalise_postcode(postcode), 1, rng.randint(20, 160)])
        index = rng.randrange(len(streets))
        street = streets[index]
        if street[2] >= street[3]:
            streets.pop(index)  # full: the next call opens a new street in its place
        return street

    def _address(self, town: str) -> tuple[Any, ...]:
        street = self._street(town)
        number = street[2]
        street[2] += 1
        line1 = f"{number} {street[0]}"
        key = places.location_key("", line1, "", town, street[1])
        return (line1, town, street[1], key, self._town_area_id(town))

    def _town_area_id(self, town: str) -> int | None:
        return self.area_ids.get(self._area_for_town(town) or "")

    def _ethnicity(self) -> str:
        return self.rng.choices(ETHNICITY_CODES, cum_weights=ETHNICITY_CUM)[0]

    def _dob(self, age: int) -> date:
        latest = _years_before(self.today, age)
        earliest = _years_before(self.today, age + 1) + timedelta(days=1)
        return earliest + timedelta(days=self.rng.randint(0, (latest - earliest).days))

    def _forename(self, sex: str, ethnicity: str, child: bool) -> str:
        rng = self.rng
        pool = NAME_POOLS.get(ethnicity)
        if pool and rng.random() < 0.85:
            return rng.choice(pool[0] if sex == Sex.MALE else pool[1])
        if child:
            return rng.choice(BOYS if sex == Sex.MALE else GIRLS)
        return rng.choice(self.male_names if sex == Sex.MALE else self.female_names)

    def _surname(self, ethnicity: str) -> str:
        pool = NAME_POOLS.get(ethnicity)
        if pool and self.rng.random() < 0.85:
            return self.rng.choice(pool[2])
        return self.rng.choice(self.surnames)

    def _person(self, *, age: int, sex: str | None, ethnicity: str, surname: str | None = None) -> _Member:
        rng = self.rng
        sex = sex or (Sex.MALE if rng.random() < 0.49 else Sex.FEMALE)
        stated = "NS" if rng.random() < NOT_STATED_RATE else ethnicity
        return _Member(
            forenames=self._forename(sex, ethnicity, age < ADULT_AGE),
            surname=surname or self._surname(ethnicity),
            dob=self._dob(age),
            sex=sex,
            ethnicity=stated,
            age=age,
        )

    def _plan_household(self) -> _Household:
        rng = self.rng
        kind = rng.choices(HOUSEHOLD_KINDS, cum_weights=HOUSEHOLD_CUM)[0]
        town = self._town()
        ethnicity = self._ethnicity()
        adult_ethnicity = "W1" if ethnicity in MIXED_PARENT else ethnicity
        members: list[_Member] = []
        rels: list[tuple[int, int, str]] = []
        kids_ages: list[int] = []
        if kind in ("couple_kids", "lone_parent", "foster"):
            n = rng.choices(KIDS_COUNT, cum_weights=KIDS_CUM)[0] if kind != "foster" else rng.randint(0, 2)
            if kind == "lone_parent":
                n = min(n, 3)
            kids_ages = sorted((rng.randint(0, 17) for _ in range(n)), reverse=True)
        eldest = kids_ages[0] if kids_ages else 0

        if kind == "single":
            members.append(self._person(age=rng.randint(18, 90), sex=None, ethnicity=adult_ethnicity))
        elif kind == "adult_child":
            parent = self._person(age=rng.randint(45, 80), sex=None, ethnicity=adult_ethnicity)
            child_age = min(parent.age - 20, rng.randint(18, 32))
            grown = self._person(age=max(18, child_age), sex=None, ethnicity=adult_ethnicity, surname=parent.surname)
            members += [parent, grown]
            rels.append((0, 1, RelationshipType.PARENT))
        else:
            low = max(18, eldest + 17)
            age1 = rng.randint(low, max(low, min(90, eldest + 45 if kids_ages else 90)))
            if kind == "foster":
                age1 = rng.randint(max(35, low), 65)
            if kind == "lone_parent":
                sex1 = Sex.FEMALE if rng.random() < 0.85 else Sex.MALE
                members.append(self._person(age=age1, sex=sex1, ethnicity=adult_ethnicity))
            else:
                first = self._person(age=age1, sex=Sex.MALE, ethnicity=adult_ethnicity)
                same_sex = rng.random() < 0.04
                age2 = max(low, min(90, age1 + rng.randint(-6, 4)))
                second_ethnicity = MIXED_PARENT.get(ethnicity, adult_ethnicity)
                shared = rng.random() < 0.7
                second = self._person(
                    age=age2,
                    sex=Sex.MALE if same_sex else Sex.FEMALE,
                    ethnicity=second_ethnicity,
                    surname=first.surname if shared else None,
                )
                self._distinct_forename(second, [first])
                members += [first, second]
                rels.append((0, 1, RelationshipType.PARTNER))
        adults = len(members)

        # Brothers and sisters share a surname; two of the same age are twins, born on one day; the
        # others are born far enough apart to be siblings; no two people at one home share a forename.
        surname, alt = self._child_surname(members[:adults]) if kids_ages else ("", "")
        for i, age in enumerate(kids_ages):
            child = self._person(age=age, sex=None, ethnicity=ethnicity, surname=surname)
            child.alt_surname = alt
            self._make_sibling(child, members[adults:])
            self._distinct_forename(child, members)
            members.append(child)
            index = len(members) - 1
            for parent in range(adults):
                rels.append((parent, index, RelationshipType.PARENT))
            for sibling in range(adults, adults + i):
                rels.append((sibling, index, RelationshipType.SIBLING))

        if kind == "foster":
            # Looked-after children in foster care: carers, not parents; the LA where they live.
            for _ in range(rng.randint(1, 2)):
                child = self._person(age=rng.randint(0, 17), sex=None, ethnicity=self._ethnicity())
                self._distinct_forename(child, members)
                child.looked_after = True
                members.append(child)
                for carer in range(adults):
                    rels.append((carer, len(members) - 1, RelationshipType.CARER))

        moved_in = self.today - timedelta(days=rng.randint(0, 15 * 365))
        household = _Household(town, self._town_area_id(town), self._address(town), members, rels, moved_in)
        self._finish_members(household)
        return household

    def _make_sibling(self, child: _Member, siblings: list[_Member]) -> None:
        """A twin of a brother or sister of the same age (one date of birth); otherwise a date of birth at
        least ten months from every brother's and sister's."""
        twin = next((s for s in siblings if s.age == child.age), None)
        if twin is not None:
            child.dob = twin.dob
            return
        for _ in range(20):
            if all(abs((child.dob - s.dob).days) >= 300 for s in siblings):
                return
            child.dob = self._dob(child.age)

    def _distinct_forename(self, member: _Member, others: list[_Member]) -> None:
        taken = {o.forenames for o in others}
        for _ in range(20):
            if member.forenames not in taken:
                return
            member.forenames = self._forename(member.sex, member.ethnicity, member.child)

    def _child_surname(self, parents: list[_Member]) -> tuple[str, str]:
        rng = self.rng
        if len(parents) == 2 and parents[0].surname != parents[1].surname:
            a, b = parents[0].surname, parents[1].surname
            roll = rng.random()
            if roll < 0.12:
                return f"{b}-{a}" if rng.random() < 0.5 else f"{a}-{b}", ""
            return (a, b) if roll < 0.8 else (b, a)
        if len(parents) == 1 and rng.random() < 0.25:
            return rng.choice(self.surnames), parents[0].surname  # the absent parent's name
        return parents[0].surname, ""

    def _plan_home(self, home: _Org) -> _Household:
        rng = self.rng
        members = []
        for _ in range(rng.randint(2, 4)):
            child = self._person(age=rng.randint(11, 17), sex=None, ethnicity=self._ethnicity())
            child.looked_after = True
            child.placement_id = home.id
            # Most are placed by the home's own authority; some come from the other one.
            child.local_authority_id = home.la_id
            if rng.random() < 0.2:
                child.local_authority_id = next(v for v in self.la_ids.values() if v != home.la_id)
            members.append(child)
        moved_in = self.today - timedelta(days=rng.randint(10, 700))
        household = _Household(
            home.town, self._town_area_id(home.town), None, members, [], moved_in, location_id=home.location_id
        )
        self._finish_members(household, placed=True)
        return household

    def _finish_members(self, household: _Household, placed: bool = False) -> None:
        """Markers, schools and local authority for each member, once ages are known."""
        primary = secondary = None
        for member in household.members:
            if member.child and member.local_authority_id is None:
                member.local_authority_id = self._la_for_town(household.town)
            self._plan_markers(member, placed)
            if member.child:
                school, start = self._school_for(member, household.town)
                if school is not None:
                    # Brothers and sisters go to the same school of each phase.
                    if school.phase == "primary":
                        primary = primary or school
                        school = primary
                    else:
                        secondary = secondary or school
                        school = secondary
                    member.school_id, member.school_from = school.id, start

    def _school_for(self, member: _Member, town: str) -> tuple[_Org | None, date | None]:
        """The school an English child of this age attends, and since when (None: not yet or not on roll)."""
        rng = self.rng
        dob = member.dob
        reception = dob.year + 4 if dob.month < 9 else dob.year + 5
        primary_start = date(reception, 9, 1)
        secondary_start = date(reception + 7, 9, 1)
        if self.today < primary_start:
            return None, None
        roll = rng.random()
        if roll < 0.005:
            return None, None  # electively home educated, or missing education: RF-9 goes to the LA
        if self.today >= date(reception + 12, 9, 1) and roll < 0.12:
            return None, None  # left at 16 for college or work
        phase = "secondary" if self.today >= secondary_start else "primary"
        start = secondary_start if phase == "secondary" else primary_start
        # A school in the child's town, else in its area, else anywhere in the force.
        here = (
            self.school_index.get((phase, town))
            or self.school_index.get((phase, self._area_for_town(town)))
            or self.school_index.get((phase, None))
        )
        return (rng.choice(here), start) if here else (None, None)

    def _plan_markers(self, member: _Member, placed: bool) -> None:
        rng = self.rng
        age = member.age
        if age >= ADULT_AGE:
            table = ADULT_MARKERS
            if age <= 45:
                rate = EXPLOITER_RATE_MALE if member.sex == Sex.MALE else EXPLOITER_RATE_FEMALE
                self.exploiter_quota += rate
                if self.exploiter_quota >= 1:
                    self.exploiter_quota -= 1
                    member.exploiter = "cse" if rng.random() < 0.3 else "cce"
                    for marker, p in CSE_EXPLOITER_MARKERS if member.exploiter == "cse" else CCE_EXPLOITER_MARKERS:
                        if rng.random() < p and marker not in member.markers:
                            member.markers.append(marker)
                    if not member.markers:
                        member.markers.append(M.SEXUAL_OFFENDER if member.exploiter == "cse" else M.DRUGS)
        elif age >= 12:
            table = TEEN_MARKERS
            if placed:
                at_risk = rng.random() < AT_RISK_PLACED_RATE
                if rng.random() < 0.35 and M.MISSING not in member.markers:
                    member.markers.append(M.MISSING)  # repeat missing from care
            else:
                self.at_risk_quota += AT_RISK_TEEN_RATE
                at_risk = self.at_risk_quota >= 1
                if at_risk:
                    self.at_risk_quota -= 1
            if at_risk:
                member.at_risk = "cse" if rng.random() < 0.45 else "cce"
                core = M.CSE if member.at_risk == "cse" else rng.choice((M.CCE, M.CCE, M.COUNTY_LINES))
                if core not in member.markers:
                    member.markers.append(core)
                for _ in range(rng.randint(0, 2)):
                    marker = rng.choices(
                        [m for m, _ in EXPLOITATION_MARKERS], weights=[w for _, w in EXPLOITATION_MARKERS]
                    )[0]
                    if marker not in member.markers:
                        member.markers.append(marker)
        else:
            table = YOUNG_CHILD_MARKERS
        for marker, p in table:
            if rng.random() < p and marker not in member.markers:
                member.markers.append(marker)

    # -- writing ----------------------------------------------------------------------------------
    def _write_chunk(self, households: list[_Household]) -> None:
        report = self.report
        new = [h for h in households if h.address is not None]
        ids = _insert(Location, LOCATION_COLUMNS, [h.address for h in new], returning=True)  # type: ignore[misc]
        for household, location_id in zip(new, ids, strict=True):
            household.location_id = location_id
        report.locations += len(new)
        report.households += len(new)

        members = [m for h in households for m in h.members]
        rows = [self._person_row(m, h) for h in households for m in h.members]
        for member, person_id in zip(members, _insert(Person, PERSON_COLUMNS, rows, returning=True), strict=True):
            member.person_id = person_id

        day = connection.ops.adapt_datefield_value
        addresses: list[tuple[Any, ...]] = []
        relationships: list[tuple[Any, ...]] = []
        markers: list[tuple[Any, ...]] = []
        enrolments: list[tuple[Any, ...]] = []
        for household in households:
            area = self._area_for_town(household.town) or ""
            for member in household.members:
                report.people += 1
                if member.child:
                    report.children += 1
                else:
                    report.adults += 1
                report.looked_after += member.looked_after
                report.placed_in_homes += member.placement_id is not None
                moved_in = max(household.moved_in, member.dob)
                addresses.append((member.person_id, household.location_id, day(moved_in)))
                lasting = bool(member.at_risk or member.exploiter)
                for marker in member.markers:
                    markers.append(self._marker_row(member.person_id, marker, member.dob, lasting=lasting))
                if member.school_id:
                    enrolments.append((member.person_id, member.school_id, day(member.school_from)))
                if member.exploiter:
                    self.exploiters.setdefault((area, member.exploiter), deque(maxlen=200)).append(member.person_id)
                if member.at_risk:
                    self.pending_links.append((member.person_id, area, member.at_risk))
            for a, b, kind in household.relationships:
                since = max(household.moved_in, household.members[b].dob)
                relationships.append(
                    self._relationship_row(household.members[a].person_id, household.members[b].person_id, kind, since)
                )
        relationships += self._link_exploited(final=False)
        self._plant_duplicates(members, rows, addresses, markers, enrolments)

        _insert(PersonAddress, ADDRESS_COLUMNS, addresses)
        _insert(Relationship, RELATIONSHIP_COLUMNS, relationships)
        _insert(WarningMarker, MARKER_COLUMNS, markers)
        _insert(SchoolEnrolment, ENROLMENT_COLUMNS, enrolments)
        report.enrolments += len(enrolments)
        report.relationships.update(row[2] for row in relationships)
        report.markers.update(row[1] for row in markers)

    def _person_row(self, member: _Member, household: _Household) -> tuple[Any, ...]:
        # Someone with police contact (a marker) has an officer-observed code as well.
        observed = OBSERVED.get(member.ethnicity, "IC9") if member.markers else ""
        return (
            member.forenames,
            member.surname,
            connection.ops.adapt_datefield_value(member.dob),
            member.sex,
            member.ethnicity,
            observed,
            member.looked_after,
            member.placement_id,
            member.local_authority_id,
            household.area_id,
            _key(member.surname),
            _key(member.forenames),
            self.created_at,
            None,
            _surname_norm(member.surname),
            _forename_norm(member.forenames),
        )

    def _marker_row(self, person_id: int | None, marker: str, dob: date, lasting: bool = False) -> tuple[Any, ...]:
        rng = self.rng
        day = connection.ops.adapt_datefield_value
        start = max(dob, self.today - timedelta(days=rng.randint(14, 3 * 365)))
        end = None
        if not lasting and rng.random() < 0.08:
            ended = start + timedelta(days=rng.randint(30, 700))
            end = ended if ended < self.today else None
        source = rng.choice(MARKER_SOURCES).format(n=rng.randint(1_000, 99_999), y=start.year % 100)
        return (person_id, marker, day(start), day(start + timedelta(days=365)), day(end), source, self.created_at)

    def _relationship_row(self, a: int | None, b: int | None, kind: str, since: date) -> tuple[Any, ...]:
        since_value = connection.ops.adapt_datefield_value(since)
        return (a, b, kind, since_value, "Synthetic demo force", self.created_at)

    def _link_exploited(self, *, final: bool) -> list[tuple[Any, ...]]:
        """Link each exploited teenager to a suspected exploiter (and sometimes a peer) in their area.

        Teenagers wait here until a suspected exploiter has been generated in their area; at the end
        of the run any still waiting take one from anywhere in the force.
        """
        rng = self.rng
        rows: list[tuple[Any, ...]] = []
        waiting = []
        for teen, area, kind in self.pending_links:
            pool = (
                self.exploiters.get((area, kind))
                or self.exploiters.get((area, "cse" if kind == "cce" else "cce"))
                or (self._any_exploiters(kind) if final else None)
            )
            if not pool:
                waiting.append((teen, area, kind))
                continue
            exploiter = pool[rng.randrange(len(pool))]
            link = RelationshipType.SUSPECTED_EXPLOITER if rng.random() < 0.7 else RelationshipType.ASSOCIATE
            since = self.today - timedelta(days=rng.randint(7, 400))
            rows.append(self._relationship_row(exploiter, teen, link, since))
            peers = self.exploited.setdefault((area, kind), deque(maxlen=200))
            if peers and rng.random() < 0.5:
                peer = peers[rng.randrange(len(peers))]
                since = self.today - timedelta(days=rng.randint(7, 400))
                rows.append(self._relationship_row(teen, peer, RelationshipType.ASSOCIATE, since))
            peers.append(teen)
        self.pending_links = waiting
        if final and rows:
            _insert(Relationship, RELATIONSHIP_COLUMNS, rows)
            self.report.relationships.update(row[2] for row in rows)
        return rows

    def _any_exploiters(self, kind: str) -> deque[int] | None:
        ordered = sorted(self.exploiters.items())
        for (_, pool_kind), pool in ordered:
            if pool_kind == kind and pool:
                return pool
        for _, pool in ordered:
            if pool:
                return pool
        return None

    # -- planted duplicates -------------------------------------------------------------------------
    def _plant_duplicates(
        self,
        members: list[_Member],
        person_rows: list[tuple[Any, ...]],
        addresses: list[tuple[Any, ...]],
        markers: list[tuple[Any, ...]],
        enrolments: list[tuple[Any, ...]],
    ) -> None:
        if not self.plant_duplicates:
            return
        rng = self.rng
        day = connection.ops.adapt_datefield_value
        area_index = PERSON_COLUMNS.index("area_id")
        home_of = {row[0]: row[1] for row in addresses}
        originals: list[_Member] = []
        rows: list[tuple[Any, ...]] = []
        marker_only_here: list[bool] = []
        for member, original_row in zip(members, person_rows, strict=True):
            if not member.child:
                continue
            self.duplicate_quota += self.plant_duplicates
            if self.duplicate_quota < 1:
                continue
            self.duplicate_quota -= 1
            forenames, surname, dob, errors = self._distort(member)
            self.report.duplicate_errors.update(errors)
            originals.append(member)
            # The second record is often made in a hurry: ethnicity not asked half the time.
            ethnicity = member.ethnicity if rng.random() < 0.5 else ""
            rows.append(
                (
                    forenames,
                    surname,
                    day(dob),
                    member.sex,
                    ethnicity,
                    "",
                    member.looked_after,
                    member.placement_id,
                    member.local_authority_id,
                    original_row[area_index],
                    _key(surname),
                    _key(forenames),
                    self.created_at,
                    member.person_id,  # the known truth: this record is that child
                    _surname_norm(surname),
                    _forename_norm(forenames),
                )
            )
            # Every third duplicate (the first included) carries a marker its original lacks.
            marker_only_here.append(self.report.duplicates % 3 == 0)
            self.report.duplicates += 1
        if not rows:
            return
        duplicate_ids = _insert(Person, PERSON_COLUMNS, rows, returning=True)
        Person.objects.filter(pk__in=[m.person_id for m in originals]).update(synthetic_truth_id=F("pk"))
        for member, duplicate_id, marker_here in zip(originals, duplicate_ids, marker_only_here, strict=True):
            if rng.random() < 0.6 and member.person_id in home_of:
                since = max(member.dob, self.today - timedelta(days=rng.randint(0, 400)))
                addresses.append((duplicate_id, home_of[member.person_id], day(since)))
            if member.school_id and rng.random() < 0.4:
                enrolments.append((duplicate_id, member.school_id, day(member.school_from)))
            if marker_here:
                choices = [m for m in DUPLICATE_ONLY_MARKERS if m not in member.markers]
                if choices:
                    markers.append(self._marker_row(duplicate_id, rng.choice(choices), member.dob, lasting=True))
                    self.report.duplicate_only_markers += 1

    def _distort(self, member: _Member) -> tuple[str, str, date, list[str]]:
        """The child's details as a second officer wrote them: one error, sometimes two."""
        rng = self.rng
        forenames, surname, dob = member.forenames, member.surname, member.dob
        wanted = [rng.choices(DUPLICATE_ERRORS, cum_weights=DUPLICATE_ERROR_CUM)[0]]
        if rng.random() < 0.25:
            wanted.append(rng.choice([e for e in DUPLICATE_ERRORS if e != wanted[0]]))
        # If an error can't apply to this child (no short form, a day after the 12th), try the others.
        others = [e for e in DUPLICATE_ERRORS if e not in wanted]
        rng.shuffle(others)
        order = wanted + others
        done: list[str] = []
        for error in order:
            if len(done) == len(wanted):
                break
            if error == "nickname" and forenames in NICKNAMES:
                forenames = rng.choice(NICKNAMES[forenames])
            elif error == "dob_transposed":
                swapped = identity.transposed(dob)
                if swapped is None or swapped > self.today:
                    continue
                dob = swapped
            elif error == "hyphenated_surname":
                surname = self._hyphen_variant(surname, member.alt_surname)
            elif error == "misspelt_surname":
                changed = _misspell(rng, surname)
                if changed == surname:
                    continue
                surname = changed
            else:
                continue
            done.append(error)
        return forenames, surname, dob, done

    def _hyphen_variant(self, surname: str, alt: str) -> str:
        rng = self.rng
        if "-" in surname:
            a, b = surname.split("-", 1)
            return rng.choice((a, b, f"{a} {b}"))
        other = alt or rng.choice(self.surnames)
        return f"{surname}-{other}" if rng.random() < 0.6 else f"{other}-{surname}"


def _misspell(rng: random.Random, name: str) -> str:
    """One edit an officer might make: a dropped, doubled, swapped or wrong vowel letter, never the first."""
    vowels = "aeiou"
    positions = [i for i in range(1, len(name)) if name[i].isalpha()]
    for _ in range(12):
        if not positions:
            break
        i = rng.choice(positions)
        op = rng.choice(("drop", "double", "swap", "vowel"))
        if op == "drop" and len(name) > 3:
            candidate = name[:i] + name[i + 1 :]
        elif op == "double" and name[i].lower() not in vowels:
            candidate = name[:i] + name[i] + name[i:]
        elif op == "swap" and i + 1 < len(name) and name[i + 1].isalpha() and name[i] != name[i + 1]:
            candidate = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        elif op == "vowel" and name[i].lower() in vowels:
            other = rng.choice([v for v in vowels if v != name[i].lower()])
            candidate = name[:i] + (other.upper() if name[i].isupper() else other) + name[i + 1 :]
        else:
            continue
        if candidate != name:
            return candidate
    return name + "e" if not name.endswith("e") else name[:-1]
