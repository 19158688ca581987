"""Validation layer of the retraining pipeline, declared for Spark Declarative Pipelines.

``spark`` is the pipeline's Spark Connect session, put into this module by the
``spark-pipelines`` runner. The expectations are the library's, so the pipeline, the
training table's CHECK constraints and the tests share one definition.
"""

from pyspark import pipelines as dp

from deploybook.retraining.elec2 import FEATURES
from deploybook.retraining.expectations import check_events, rules_for
from deploybook.retraining.feed import NEW_FEATURE

LANDING = spark.conf.get("deploybook.landing")  # noqa: F821
RULES = rules_for(
    spark.read.format("delta").load(LANDING).columns,  # noqa: F821
    FEATURES,
    optional=[NEW_FEATURE],
)


@dp.temporary_view(comment="landing events with the expectations applied")
def checked_events():
    # an erasure's purge deletes from landing: that commit holds no new events
    events = (
        spark.readStream.format("delta").option("skipChangeCommits", "true").load(LANDING)  # noqa: F821
    )
    return check_events(events, RULES)


@dp.table(comment="events that broke a drop expectation, with the rules they broke")
def quarantine():
    return spark.readStream.table("checked_events").where("size(failed_rules) > 0")  # noqa: F821


@dp.table(comment="events that met every expectation: the change log of the training table")
def clean_events():
    return spark.readStream.table("checked_events").where("size(failed_rules) = 0")  # noqa: F821
