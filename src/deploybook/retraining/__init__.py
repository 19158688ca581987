"""Report 1: a Spark random forest kept current on Delta Lake."""
