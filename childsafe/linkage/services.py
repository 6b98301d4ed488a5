"""Bulk identity resolution with Splink (PL-2): find records across the whole person table that are
probably one child, and write them as suggestions for an analyst to confirm or reject.

The entry-time matcher (`people.identity`) checks one new record against a short candidate list.
This is the other half: every record against every other, at force scale on DuckDB (embedded, one
process) or at national scale on Spark. Both backends run the same Splink settings (`splink_settings`),
so a suggestion means the same thing whichever ran it. See docs/adr/0010-bulk-linkage-with-splink.md.

Nothing here links anything. `suggestion_confirm` links through `people.services.identity_link`
(reversible, audited), exactly as a link made by hand; `suggestion_reject` records why, and that
pair is never suggested again. Pairs already in one identity cluster are never suggested.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jellyfish
from django.db import transaction

from childsafe.core import access, audit, clock
from childsafe.core.errors import InvalidInput
from childsafe.core.models import AuditCategory, User
from childsafe.core.roles import Capability
from childsafe.linkage.models import LinkageRun, LinkSuggestion, SuggestionStatus
from childsafe.people import identity
from childsafe.people import services as people_services
from childsafe.people.models import IdentityLink, Person, PersonAddress, PersonName, SchoolEnrolment

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

# The suggestions are a queue an analyst reviews, and a missed duplicate can hide a firearms marker from the
# grade (MP-3), so the default favours recall: at a million people 0.8 gave precision 0.981 and recall 0.979
# where 0.9 gave 0.988 and 0.956 (bench/linkage.py, ADR 0041).
DEFAULT_THRESHOLD = 0.8
READ_CHUNK = 100_000
MAX_REASON = 2_000
# One duplicate record for every few hundred people: the prior chance that two records picked at
# random are one person is about (duplicates) / (people^2 / 2). Used before and, if training is
# skipped, instead of estimating it.
PRIOR_DUPLICATE_SHARE = 0.005
U_SAMPLE_PAIRS = 5e6

Progress = Callable[[str], None]
PERSON_COLUMNS = ["unique_id", "forenames", "surname", "date_of_birth", "sex", "surname_key"]


# ---------------------------------------------------------------------------------------------
# Reading the person table


def _read_people(limit: int | None, progress: Progress) -> pd.DataFrame:
    """id, forenames, surname, date of birth, sex of every person, read a chunk at a time by id."""
    import pandas as pd

    frames = []
    last_id = 0
    read = 0
    while True:
        want = READ_CHUNK if limit is None else min(READ_CHUNK, limit - read)
        if want <= 0:
            break
        rows = list(
            Person.objects.filter(pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", "forenames", "surname", "date_of_birth", "sex", "surname_key")[:want]
        )
        if not rows:
            break
        frames.append(pd.DataFrame(rows, columns=PERSON_COLUMNS))
        last_id = rows[-1][0]
        read += len(rows)
        progress(f"Read {read:,} people")
    if not frames:
        return pd.DataFrame(columns=[*PERSON_COLUMNS, "address_id", "postcode", "school_id"])
    people = pd.concat(frames, ignore_index=True)
    # The current address and school: strong evidence for (same house) or against (two houses).
    addresses = pd.DataFrame(
        PersonAddress.objects.filter(valid_to__isnull=True, person_id__lte=last_id)
        .order_by("person_id", "-valid_from")
        .values_list("person_id", "location_id", "location__postcode")
        .iterator(chunk_size=50_000),
        columns=["unique_id", "address_id", "postcode"],
    ).drop_duplicates("unique_id")
    schools = pd.DataFrame(
        SchoolEnrolment.objects.filter(valid_to__isnull=True, person_id__lte=last_id)
        .order_by("person_id", "-valid_from")
        .values_list("person_id", "school_id")
        .iterator(chunk_size=50_000),
        columns=["unique_id", "school_id"],
    ).drop_duplicates("unique_id")
    progress(f"Read {len(addresses):,} current addresses and {len(schools):,} current schools")
    # Other names (aliases, nicknames, previous names): a record under an alias is still the child.
    aliases = pd.DataFrame(
        PersonName.objects.filter(person_id__lte=last_id)
        .order_by("person_id", "id")
        .values_list("person_id", "forenames", "surname")
        .iterator(chunk_size=50_000),
        columns=["unique_id", "alias_forenames", "alias_surnames"],
    )
    if len(aliases):
        aliases = aliases.groupby("unique_id", as_index=False).agg(list)
    progress(f"Read the other names of {len(aliases):,} people")
    merged = people.merge(addresses, on="unique_id", how="left").merge(schools, on="unique_id", how="left")
    return merged.merge(aliases, on="unique_id", how="left") if len(aliases) else merged


def _mapped(series: pd.Series, fn: Callable[[str], str]) -> pd.Series:
    """fn over a column of names, computed once per distinct name (a force has a few thousand)."""
    distinct = series.dropna().unique()
    return series.map({value: fn(value) for value in distinct})


def prepare(people: pd.DataFrame) -> pd.DataFrame:
    """The comparison columns: normalised names, nickname canonical form, surname parts, DOB forms."""
    import pandas as pd

    frame = pd.DataFrame({"unique_id": people["unique_id"].astype("int64")})

    def first_word(name: str) -> str:
        words = identity.normalise(name).split()
        return words[0] if words else ""

    def surname_first(name: str) -> str:
        words = identity.normalise(name).split()
        return words[0] if words else ""

    def surname_last(name: str) -> str:
        words = identity.normalise(name).split()
        return words[-1] if words else ""

    def blank_to_none(series: pd.Series) -> pd.Series:
        return series.where(series != "", None)

    frame["forename"] = blank_to_none(_mapped(people["forenames"], first_word))
    frame["forename_canonical"] = blank_to_none(_mapped(people["forenames"], identity.canonical_forename))
    frame["surname"] = blank_to_none(_mapped(people["surname"], lambda s: " ".join(identity.normalise(s).split())))
    frame["surname_first"] = blank_to_none(_mapped(people["surname"], surname_first))
    frame["surname_last"] = blank_to_none(_mapped(people["surname"], surname_last))
    frame["surname_initial"] = frame["surname"].str[:1]
    key = people["surname_key"].where(people["surname_key"] != "", None)
    missing_key = key.isna() & people["surname"].notna()
    if missing_key.any():
        key = key.where(~missing_key, _mapped(people["surname"], identity.phonetic_key))
    frame["surname_key"] = blank_to_none(key)
    dob = pd.to_datetime(people["date_of_birth"], errors="coerce")
    frame["dob"] = dob.dt.strftime("%Y-%m-%d")
    frame["birth_year"] = dob.dt.year.astype("Int64")
    frame["birth_month_day"] = dob.dt.strftime("%m-%d")
    # Day and month swapped, where that is a real and different date (identity.transposed).
    swappable = dob.notna() & (dob.dt.day <= 12) & (dob.dt.day != dob.dt.month)
    frame["dob_transposed"] = None
    frame.loc[swappable, "dob_transposed"] = (
        dob[swappable].dt.strftime("%Y-")
        + dob[swappable].dt.day.map("{:02d}".format)
        + "-"
        + dob[swappable].dt.month.map("{:02d}".format)
    )
    frame["sex"] = people["sex"].where(people["sex"].isin(["male", "female"]), None)
    for column in ("address_id", "school_id"):
        values = people[column] if column in people else pd.Series(None, index=people.index)
        frame[column] = pd.to_numeric(values, errors="coerce").astype("Int64")

    # Other names as delimited text (one SQL form for DuckDB and Spark): " jo alexandra " and "|smith|".
    def joined(names: Any, fn: Callable[[str], str], sep: str) -> str:
        forms = (
            sorted({fn(n) for n in names if isinstance(n, str) and n.strip()} - {""}) if isinstance(names, list) else []
        )
        return sep + sep.join(forms) + sep if forms else ""

    no_names = pd.Series(None, index=people.index, dtype=object)
    alias_forenames = people.get("alias_forenames", no_names)
    alias_surnames = people.get("alias_surnames", no_names)
    frame["alias_forenames"] = alias_forenames.map(lambda v: joined(v, identity.canonical_forename, " "))
    frame["alias_surnames"] = alias_surnames.map(
        lambda v: joined(v, lambda s: " ".join(identity.normalise(s).split()), "|")
    )
    # For blocking (equi-joins only): the first other name's forename and surname.
    frame["alias_first_forename"] = blank_to_none(frame["alias_forenames"].map(lambda t: t.split(" ")[1] if t else ""))
    frame["alias_first_surname"] = blank_to_none(frame["alias_surnames"].map(lambda t: t.split("|")[1] if t else ""))
    postcode = people["postcode"] if "postcode" in people else pd.Series(None, index=people.index)
    postcode = postcode.fillna("").astype(str).str.upper().str.replace(" ", "", regex=False)
    frame["postcode"] = postcode.where(postcode != "", None)
    return frame


# ---------------------------------------------------------------------------------------------
# The Splink settings: comparisons with their plain-English reasons, and the blocking rules


@dataclass(frozen=True)
class Level:
    sql: str | None  # None: the Jaro-Winkler level built by Splink for the backend's dialect
    why: str
    m: float
    u: float
    column: str = ""
    jw: float = 0.0
    tf: str = ""  # term-frequency adjust this exact level on that column (a rare name counts for more)


NULL = "null"
ELSE = "else"


@dataclass(frozen=True)
class Comparison:
    name: str
    column: str
    levels: tuple[Level, ...]  # most to least alike, without the null and else levels
    null_why: str
    else_why: str
    else_m: float
    else_u: float


def _jw(column: str, threshold: float, why: str, m: float, u: float) -> Level:
    return Level(sql=None, why=why, m=m, u=u, column=column, jw=threshold)


COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        name="forename",
        column="forename",
        levels=(
            Level("forename_l = forename_r", "same forename", 0.84, 0.01, tf="forename"),
            Level(
                "forename_canonical_l = forename_canonical_r",
                "forename a known short form of the other",
                0.08,
                0.0005,
            ),
            Level(
                "(instr(alias_forenames_r, concat(' ', forename_canonical_l, ' ')) > 0 "
                "OR instr(alias_forenames_l, concat(' ', forename_canonical_r, ' ')) > 0)",
                "forename one of the other record's other names (alias or nickname)",
                0.015,
                0.0002,
            ),
            Level(
                "length(forename_l) >= 3 AND length(forename_r) >= 3 AND "
                "(substr(forename_l, 1, length(forename_r)) = forename_r "
                "OR substr(forename_r, 1, length(forename_l)) = forename_l)",
                "one forename starts the other (a short form)",
                0.03,
                0.0008,
            ),
            _jw("forename", 0.9, "forename spelt slightly differently", 0.02, 0.003),
            _jw("forename", 0.75, "forename a little alike", 0.01, 0.05),
        ),
        null_why="forename not known on one record",
        else_why="different forename",
        else_m=0.005,
        else_u=0.936,
    ),
    Comparison(
        name="surname",
        column="surname",
        levels=(
            Level("surname_l = surname_r", "same surname", 0.45, 0.003, tf="surname"),
            Level(
                "(surname_first_l = surname_first_r OR surname_last_l = surname_last_r "
                "OR surname_first_l = surname_last_r OR surname_last_l = surname_first_r)",
                "surname shares a part of a double-barrelled surname",
                0.28,
                0.0003,
            ),
            Level(
                "(instr(alias_surnames_r, concat('|', surname_l, '|')) > 0 "
                "OR instr(alias_surnames_l, concat('|', surname_r, '|')) > 0)",
                "surname one of the other record's other or previous surnames",
                0.02,
                0.0003,
            ),
            _jw("surname", 0.9, "surname one or two letters different", 0.17, 0.001),
            Level(
                None,
                "surname shares a part of a double-barrelled surname, spelt slightly differently",
                0.05,
                0.001,
                column="surname_parts",
                jw=0.88,
            ),
            Level("surname_key_l = surname_key_r", "surname sounds the same", 0.01, 0.002),
            _jw("surname", 0.75, "surname a little alike", 0.01, 0.03),
        ),
        null_why="surname not known on one record",
        else_why="different surname",
        else_m=0.01,
        else_u=0.9637,
    ),
    Comparison(
        name="date_of_birth",
        column="dob",
        levels=(
            Level("dob_l = dob_r", "same date of birth", 0.85, 0.00005),
            Level("dob_l = dob_transposed_r", "date of birth with day and month swapped", 0.12, 0.00001),
            Level(
                "birth_month_day_l = birth_month_day_r AND abs(birth_year_l - birth_year_r) = 1",
                "date of birth one year apart",
                0.01,
                0.00006,
            ),
            Level("birth_year_l = birth_year_r", "same year of birth", 0.01, 0.012),
        ),
        null_why="date of birth not known on one record",
        else_why="different date of birth",
        else_m=0.01,
        else_u=0.98788,
    ),
    Comparison(
        name="address",
        column="address_id",
        levels=(
            Level("address_id_l = address_id_r", "same current address", 0.70, 0.00001),
            Level("postcode_l = postcode_r", "same postcode", 0.05, 0.0005),
        ),
        null_why="no current address on one record",
        else_why="different current address",
        else_m=0.06,
        else_u=0.99949,
    ),
    Comparison(
        name="school",
        column="school_id",
        levels=(Level("school_id_l = school_id_r", "same school", 0.6, 0.01),),
        null_why="",
        else_why="different school",
        else_m=0.4,
        else_u=0.99,
    ),
    Comparison(
        name="sex",
        column="sex",
        levels=(Level("sex_l = sex_r", "same sex", 0.995, 0.5),),
        null_why="sex not known on one record",
        else_why="different sex",
        else_m=0.005,
        else_u=0.5,
    ),
)

# Each rule is an equi-join, so the pairs it makes are records that agree exactly on its columns.
# Between them they catch each error the generator plants, and each pair of errors: a surname
# misspelling never touches the first letter; a nickname keeps the surname; a hyphenated surname
# keeps one of its parts; a transposed date of birth keeps both names. Splink scores each pair once
# (a pair found by an earlier rule is left out of the later ones).
BLOCKING_RULES: tuple[str, ...] = (
    # Same date of birth and the same forename (nickname-aware): a surname misspelt or hyphenated.
    "l.dob = r.dob AND l.forename_canonical = r.forename_canonical",
    # Same date of birth and surname initial: a nickname, or a misspelt surname and a nickname.
    "l.dob = r.dob AND l.surname_initial = r.surname_initial",
    # Same date of birth and one part of the surname: "Smith" and "Jones-Smith".
    "l.dob = r.dob AND l.surname_last = r.surname_last",
    "l.dob = r.dob AND l.surname_first = r.surname_first",
    # Day and month swapped, with either name the same.
    "l.dob = r.dob_transposed AND l.forename_canonical = r.forename_canonical",
    "l.dob = r.dob_transposed AND l.surname_initial = r.surname_initial",
    # Surname sounding the same, same year of birth and forename initial: other date-of-birth slips.
    "l.surname_key = r.surname_key AND l.birth_year = r.birth_year "
    "AND substr(l.forename, 1, 1) = substr(r.forename, 1, 1)",
    # Same date of birth, one record under the other's (first) other name: an alias or a previous surname.
    "l.dob = r.dob AND l.alias_first_forename = r.forename_canonical",
    "l.dob = r.dob AND l.forename_canonical = r.alias_first_forename",
    "l.dob = r.dob AND l.alias_first_surname = r.surname",
    "l.dob = r.dob AND l.surname = r.alias_first_surname",
    # Same forename and surname, date of birth differing.
    "l.forename_canonical = r.forename_canonical AND l.surname = r.surname AND l.birth_year = r.birth_year",
)

# The blocks EM learns m from: each leaves some comparisons free to vary.
TRAINING_BLOCKS: tuple[str, ...] = (
    "l.dob = r.dob",
    "l.forename_canonical = r.forename_canonical AND l.surname = r.surname",
)


def _rules() -> list[Any]:
    return list(BLOCKING_RULES)  # Splink takes SQL strings, though its type hints name only its creators


def _level_creators(comparison: Comparison, *, with_priors: bool) -> list[Any]:
    import splink.comparison_level_library as cll

    def prior(creator: Any, m: float, u: float) -> Any:
        return creator.configure(m_probability=m, u_probability=u) if with_priors else creator

    creators: list[Any] = [cll.NullLevel(comparison.column)]
    for level in comparison.levels:
        creator: Any
        if level.column == "surname_parts":
            creator = cll.Or(
                cll.JaroWinklerLevel("surname_first", level.jw), cll.JaroWinklerLevel("surname_last", level.jw)
            )
        elif level.sql is None:
            creator = cll.JaroWinklerLevel(level.column, level.jw)
        else:
            creator = cll.CustomLevel(level.sql, label_for_charts=level.why)
        creator = creator.configure(label_for_charts=level.why)
        if level.tf:
            creator = creator.configure(tf_adjustment_column=level.tf, tf_adjustment_weight=1.0)
        creators.append(prior(creator, level.m, level.u))
    creators.append(prior(cll.ElseLevel(), comparison.else_m, comparison.else_u))
    return creators


def splink_settings(*, with_priors: bool = True, prior_share: float = PRIOR_DUPLICATE_SHARE, people: int = 1) -> Any:
    """The one Splink settings object both backends run."""
    import splink.comparison_library as cl
    from splink import SettingsCreator

    pairs = max(people * (people - 1) / 2, 1)
    probability = min(max(prior_share * people / pairs, 1e-12), 0.5)
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=probability,
        comparisons=[
            cl.CustomComparison(
                output_column_name=c.name,
                comparison_levels=_level_creators(c, with_priors=with_priors),
                comparison_description=c.name,
            )
            for c in COMPARISONS
        ],
        blocking_rules_to_generate_predictions=_rules(),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=False,
        additional_columns_to_retain=[],
    )


def why(gammas: dict[str, int]) -> str:
    """A plain-English reason from the comparison levels a pair fell in ("same surname; ...")."""
    parts = []
    for comparison in COMPARISONS:
        gamma = gammas.get(comparison.name)
        if gamma is None or (isinstance(gamma, float) and math.isnan(gamma)):
            continue
        gamma = int(gamma)
        if gamma == -1:
            if comparison.null_why:
                parts.append(comparison.null_why)
        elif gamma == 0:
            parts.append(comparison.else_why)
        else:
            # Splink numbers levels from the else level (0) upwards: the first listed is the highest.
            parts.append(comparison.levels[len(comparison.levels) - gamma].why)
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------------------------------------
# Backends


def _duckdb_api() -> Any:
    import duckdb
    from splink import DuckDBAPI

    connection = duckdb.connect(":memory:")
    connection.execute("SET preserve_insertion_order = false")
    return DuckDBAPI(connection=connection)


def spark_session(master: str = "local[1]") -> Any:
    """A local Spark session with Splink's similarity functions (Jaro-Winkler) on its class path.

    On a cluster, create the session the cluster's way (spark-submit sets the master) and pass it
    to `find_duplicates(spark=...)`; the session needs the same `spark.jars` entry.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise RuntimeError(
            "The Spark backend needs PySpark and Java 17. Install it with `pip install pyspark` "
            "(or `pip install -e '.[spark]'`), or use --backend duckdb."
        ) from None
    import tempfile

    from splink.backends.spark import similarity_jar_location

    return (
        SparkSession.builder.master(master)
        .appName("childsafe-linkage")
        .config("spark.jars", similarity_jar_location())
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.default.parallelism", "8")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="childsafe-spark-warehouse-"))
        .getOrCreate()
    )


def _spark_api(spark: Any) -> Any:
    import tempfile

    from splink.backends.spark import SparkAPI

    spark.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="childsafe-spark-"))
    return SparkAPI(spark_session=spark, break_lineage_method="parquet", num_partitions_on_repartition=8)


# ---------------------------------------------------------------------------------------------
# The run


@dataclass
class LinkageResult:
    run: LinkageRun
    pairs: list[tuple[int, int, float, float, str]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def _clusters() -> dict[int, int]:
    """Each linked record's cluster root, from every active identity link (a small table)."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    for a, b in IdentityLink.objects.filter(unlinked_at__isnull=True).values_list("person_a_id", "person_b_id"):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
            parent.setdefault(min(ra, rb), min(ra, rb))
    return {x: root(x) for x in list(parent)}


def score_pairs(
    frame: pd.DataFrame,
    *,
    threshold: float,
    backend: str = LinkageRun.Backend.DUCKDB,
    train: bool = True,
    train_m: bool = False,
    spark: Any = None,
    progress: Progress = lambda _: None,
    timings: dict[str, float] | None = None,
) -> tuple[pd.DataFrame, int, str]:
    """Run Splink over a prepared frame. Returns (pairs at or above threshold, pairs compared, training)."""
    import time

    from splink import Linker
    from splink.blocking_analysis import cumulative_comparisons_to_be_scored_from_blocking_rules_data

    timings = timings if timings is not None else {}
    if backend == LinkageRun.Backend.SPARK:
        session = spark or spark_session()
        db_api = _spark_api(session)
        # The schema is given, not inferred: a column with no value on any record (no one has another
        # name) has no type Spark could infer.
        numeric = {"unique_id", "birth_year", "address_id", "school_id"}
        schema = ", ".join(f"{c} {'bigint' if c in numeric else 'string'}" for c in frame.columns)
        table: Any = session.createDataFrame(frame.astype(object).where(frame.notna(), None), schema=schema)
    else:
        db_api = _duckdb_api()
        table = frame
    started = time.perf_counter()
    counts = cumulative_comparisons_to_be_scored_from_blocking_rules_data(
        table_or_tables=table,
        blocking_rules=_rules(),
        link_type="dedupe_only",
        db_api=db_api,
        unique_id_column_name="unique_id",
    )
    compared = int(counts["row_count"].sum())
    timings["count"] = time.perf_counter() - started
    progress(f"Blocking rules give {compared:,} pairs to compare")

    linker = Linker(table, splink_settings(people=len(frame)), db_api, set_up_basic_logging=False)
    training = "fixed priors (no training)"
    if train and len(frame) >= 2:
        started = time.perf_counter()
        try:
            linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=1)
            training = f"u by random sampling ({U_SAMPLE_PAIRS:,.0f} pairs), m fixed priors"
            if train_m:
                for block in TRAINING_BLOCKS:
                    linker.training.estimate_parameters_using_expectation_maximisation(block, fix_u_probabilities=True)
                training = f"u by random sampling ({U_SAMPLE_PAIRS:,.0f} pairs), m by EM on same DOB and same names"
        except Exception as exc:  # Splink can't train on a tiny or duplicate-free table: keep the priors.
            log.warning("Linkage training failed, using fixed priors: %s", exc)
            linker = Linker(table, splink_settings(people=len(frame)), db_api, set_up_basic_logging=False)
            training = f"fixed priors (training failed: {str(exc)[:120]})"
        timings["train"] = time.perf_counter() - started
        progress(f"Trained: {training}")
    started = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    pairs = predictions.as_pandas_dataframe()
    timings["predict"] = time.perf_counter() - started
    progress(f"Scored: {len(pairs):,} pairs at or above {threshold}")
    return pairs, compared, training


def find_duplicates(
    *,
    actor: User | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    backend: str = LinkageRun.Backend.DUCKDB,
    limit_people: int | None = None,
    train: bool = True,
    train_m: bool = False,
    spark: Any = None,
    progress: Progress = lambda _: None,
) -> LinkageResult:
    """Compare every person with every likely other and write the probable duplicates as suggestions."""
    import time

    if actor is not None:
        access.require(actor, Capability.IDENTITY_LINK)
    errors = {}
    if not 0 < threshold < 1:
        errors["threshold"] = "The threshold is a match probability between 0 and 1, such as 0.9."
    if backend not in LinkageRun.Backend.values:
        errors["backend"] = "Choose the backend duckdb (one machine) or spark (a Spark cluster)."
    if limit_people is not None and limit_people < 2:
        errors["limit_people"] = "Compare at least 2 people, or leave the limit out to compare everyone."
    if errors:
        raise InvalidInput(errors)
    if backend == LinkageRun.Backend.SPARK and spark is None:
        spark = spark_session()  # fails here, before anything is written, if PySpark is absent
    timings: dict[str, float] = {}
    run = LinkageRun.objects.create(started_at=clock.now(), backend=backend, threshold=threshold, run_by=actor)
    started = time.perf_counter()
    people = _read_people(limit_people, progress)
    frame = prepare(people)
    del people
    timings["read"] = time.perf_counter() - started
    run.people = len(frame)
    if len(frame) < 2:
        run.finished_at = clock.now()
        run.save()
        return LinkageResult(run=run, seconds=timings)
    pairs, compared, training = score_pairs(
        frame,
        threshold=threshold,
        backend=backend,
        train=train,
        train_m=train_m,
        spark=spark,
        progress=progress,
        timings=timings,
    )
    del frame
    run.pairs_compared = compared
    run.training = training[:200]
    run.pairs_above_threshold = len(pairs)

    started = time.perf_counter()
    found = _suggestions_from(pairs)
    written = _write_suggestions(run, found)
    timings["write"] = time.perf_counter() - started
    run.finished_at = clock.now()
    run.save()
    progress(
        f"Suggested {run.suggestions_created:,} pairs (left out: {run.skipped_linked:,} already linked, "
        f"{run.skipped_rejected:,} rejected before, {run.skipped_open:,} already suggested)"
    )
    audit.record(
        actor=actor,
        category=AuditCategory.COMBINATION,
        event_type="linkage.run",
        subject=run,
        new={
            "backend": backend,
            "threshold": threshold,
            "people": run.people,
            "pairs_compared": compared,
            "suggestions": run.suggestions_created,
        },
        channel="cli" if actor is None else "web",
    )
    return LinkageResult(run=run, pairs=written, seconds=timings)


def _top_level(name: str) -> int:
    """Splink's number for a comparison's first (most alike) level."""
    return len(next(c for c in COMPARISONS if c.name == name).levels)


def twins_or_siblings(gammas: dict[str, Any], forenames: tuple[str, str] | None = None) -> bool:
    """Two children with one date of birth and a surname alike whose first names are not the same name: twins,
    or siblings recorded with one date, not one child. "Not the same name" is a first name unrelated, or only
    a little alike and more than one letter apart ("Harry" and "Harvey", where "Ruby" and "Rubi" may be one
    girl), or, for a boy and a girl, anything short of the same name or a known short form of it ("Louis"
    and "Louisa").
    Fellegi-Sunter adds the evidence up as if independent, so the shared home, surname and date would
    outweigh the different first names; this is the interaction it can't see. An analyst can still link
    such a pair by hand."""

    def level(name: str) -> int | None:
        value = gammas.get(name)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return int(value)

    forename, surname, sex = level("forename"), level("surname"), level("sex")
    if forename is None or surname is None or surname <= 0:
        return False
    # One date of birth, or one with day and month swapped (siblings born in January and December).
    if (level("date_of_birth") or 0) < _top_level("date_of_birth") - 1:
        return False
    a_little_alike = _level_number("forename", "forename a little alike")
    short_form = _level_number("forename", "forename a known short form of the other")
    if forename < a_little_alike:
        return True
    if sex == 0 and forename < short_form:
        return True
    if forename == a_little_alike and forenames is not None:
        return bool(jellyfish.damerau_levenshtein_distance(*forenames) > 1)
    return False


def _level_number(comparison: str, why: str) -> int:
    """Splink's number for the level of a comparison that gives this reason (the first level is the highest)."""
    levels = next(c for c in COMPARISONS if c.name == comparison).levels
    return len(levels) - next(i for i, level in enumerate(levels) if level.why == why)


def _suggestions_from(pairs: pd.DataFrame) -> list[tuple[int, int, float, float, str]]:
    if pairs.empty:
        return []
    gamma_columns = {c.name: f"gamma_{c.name}" for c in COMPARISONS}
    out = []
    for row in pairs.to_dict("records"):
        a, b = sorted((int(row["unique_id_l"]), int(row["unique_id_r"])))
        gammas = {name: row.get(column) for name, column in gamma_columns.items()}
        if twins_or_siblings(gammas, (str(row.get("forename_l") or ""), str(row.get("forename_r") or ""))):
            continue
        out.append((a, b, float(row["match_probability"]), float(row["match_weight"]), why(gammas)))
    return out


def _write_suggestions(
    run: LinkageRun, found: list[tuple[int, int, float, float, str]]
) -> list[tuple[int, int, float, float, str]]:
    clusters = _clusters()
    existing: dict[tuple[int, int], str | None] = {}
    ids = sorted({a for a, *_ in found})
    for start in range(0, len(ids), 5_000):
        chunk = ids[start : start + 5_000]
        for a, b, decided in LinkSuggestion.objects.filter(person_a_id__in=chunk).values_list(
            "person_a_id", "person_b_id", "status"
        ):
            existing[(a, b)] = decided
    now = clock.now()
    new: list[LinkSuggestion] = []
    written: list[tuple[int, int, float, float, str]] = []
    for a, b, probability, weight, reason in found:
        if a in clusters and clusters.get(a) == clusters.get(b):
            run.skipped_linked += 1
            continue
        status = existing.get((a, b))
        if status == SuggestionStatus.REJECTED:
            run.skipped_rejected += 1
            continue
        if status is not None:
            run.skipped_open += 1
            continue
        existing[(a, b)] = SuggestionStatus.OPEN
        new.append(
            LinkSuggestion(
                person_a_id=a,
                person_b_id=b,
                match_probability=probability,
                match_weight=weight,
                why=reason[:400],
                run=run,
                created_at=now,
            )
        )
        written.append((a, b, probability, weight, reason))
    with transaction.atomic():
        LinkSuggestion.objects.bulk_create(new, batch_size=2_000)
    run.suggestions_created = len(new)
    return written


# ---------------------------------------------------------------------------------------------
# An analyst's decision


def _decidable(actor: User, suggestion: LinkSuggestion) -> None:
    access.require(actor, Capability.IDENTITY_LINK)
    if suggestion.status != SuggestionStatus.OPEN:
        raise InvalidInput(
            {"suggestion": f"This suggestion has already been decided ({suggestion.get_status_display().lower()})."}
        )


def suggestion_confirm(
    *, actor: User, suggestion: LinkSuggestion, channel: str = "web", reasons: dict[str, str] | None = None
) -> IdentityLink:
    """The analyst says the two records are one child: link them (reversible, audited, PL-2)."""
    _decidable(actor, suggestion)
    with transaction.atomic():
        locked = LinkSuggestion.objects.select_for_update().get(pk=suggestion.pk)
        _decidable(actor, locked)
        already = IdentityLink.objects.filter(
            person_a_id=locked.person_a_id, person_b_id=locked.person_b_id, unlinked_at__isnull=True
        ).first()
        link = already or people_services.identity_link(
            actor=actor,
            person=locked.person_a,
            other=locked.person_b,
            rationale=f"Confirmed from a duplicate suggestion ({locked.why}; match probability "
            f"{locked.match_probability:.3f}, linkage run {locked.run_id}).",
            channel=channel,
            reasons=reasons,
        )
        locked.status = SuggestionStatus.CONFIRMED
        locked.decided_at = clock.now()
        locked.decided_by = actor
        locked.link = link
        locked.save(update_fields=["status", "decided_at", "decided_by", "link"])
    suggestion.refresh_from_db()
    return link


def suggestion_reject(*, actor: User, suggestion: LinkSuggestion, reason: str, channel: str = "web") -> LinkSuggestion:
    """The analyst says these are two different people: record why; the pair is not suggested again."""
    _decidable(actor, suggestion)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": "Enter why these are not the same person, for example a different mother."})
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            {"reason": f"The reason must be {MAX_REASON:,} characters or fewer (it is {len(reason):,})."}
        )
    with transaction.atomic():
        updated = LinkSuggestion.objects.filter(pk=suggestion.pk, status=SuggestionStatus.OPEN).update(
            status=SuggestionStatus.REJECTED, decided_at=clock.now(), decided_by=actor, rejection_reason=reason
        )
        if not updated:
            raise InvalidInput({"suggestion": "Someone decided this suggestion a moment ago."})
        for pid in (suggestion.person_a_id, suggestion.person_b_id):
            audit.record(
                actor=actor,
                category=AuditCategory.COMBINATION,
                event_type="linkage.reject",
                subject=suggestion,
                person_id=pid,
                new={"person_a": suggestion.person_a_id, "person_b": suggestion.person_b_id, "reason": reason},
                channel=channel,
            )
    suggestion.refresh_from_db()
    return suggestion


def pairwise_quality(found: Iterable[tuple[int, int]], truth: Iterable[tuple[int, int]]) -> tuple[float, float]:
    """Precision and recall of found pairs against true pairs (each pair low id first)."""
    found_set, truth_set = set(found), set(truth)
    hits = len(found_set & truth_set)
    precision = hits / len(found_set) if found_set else 1.0
    recall = hits / len(truth_set) if truth_set else 1.0
    return precision, recall


def planted_truth_pairs() -> set[tuple[int, int]]:
    """Every pair of records the demo generator made for one child (same synthetic_truth_id)."""
    groups: dict[int, list[int]] = {}
    for pk, truth in Person.objects.filter(synthetic_truth_id__isnull=False).values_list("pk", "synthetic_truth_id"):
        if truth is not None:
            groups.setdefault(truth, []).append(pk)
    pairs = set()
    for members in groups.values():
        members.sort()
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                pairs.add((a, b))
    return pairs
