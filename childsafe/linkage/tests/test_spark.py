"""The Spark backend (national linkage) runs the same settings as DuckDB and finds the same duplicates.

Runs on a local, cluster-free Spark session (`local[1]`). Skipped where PySpark or Java is not installed
(`pip install -e '.[spark]'` and a Java 17 runtime)."""

from __future__ import annotations

import logging
import shutil

import pytest

from childsafe.demo.generator import generate
from childsafe.linkage import services
from childsafe.linkage.models import LinkageRun, LinkSuggestion

pytest.importorskip("pyspark", reason="the Spark backend needs PySpark: pip install -e '.[spark]'")
if shutil.which("java") is None:
    pytest.skip("the Spark backend needs a Java 17 runtime", allow_module_level=True)


@pytest.fixture(scope="module")
def spark():
    # py4j logs its shutdown after pytest has closed the captured streams: keep it quiet.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    session = services.spark_session("local[1]")
    yield session
    session.stop()


@pytest.mark.slow
@pytest.mark.django_db
def test_spark_linkage_finds_the_planted_duplicates(spark):
    generate(scale=0.1, seed=5, progress=False, plant_duplicates=0.3)
    truth = services.planted_truth_pairs()
    assert len(truth) >= 10
    result = services.find_duplicates(threshold=0.9, backend=LinkageRun.Backend.SPARK, spark=spark)
    found = {(a, b) for a, b, *_ in result.pairs}
    precision, recall = services.pairwise_quality(found, truth)
    assert precision >= 0.9 and recall >= 0.9, (precision, recall)
    assert result.run.backend == "spark" and result.run.suggestions_created == LinkSuggestion.objects.count()
    # The same settings on DuckDB find the same pairs.
    LinkSuggestion.objects.all().delete()
    duckdb = services.find_duplicates(threshold=0.9, backend=LinkageRun.Backend.DUCKDB)
    assert {(a, b) for a, b, *_ in duckdb.pairs} == found
