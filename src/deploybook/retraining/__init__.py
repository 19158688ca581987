"""Report 1: a Spark random forest kept current on Delta Lake."""

from deploybook.retraining.params_walk import install

install()  # every fit and load of a forest lists its params: do it without building trees
