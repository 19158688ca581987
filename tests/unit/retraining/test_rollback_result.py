"""The report's rollback sentence, for a rollback that happened and for one refused."""

from deploybook.retraining.scenario import RollbackResult


def test_a_rollback_names_both_versions_and_its_check() -> None:
    text = RollbackResult(10, 9, 12, True, True).sentence()
    assert "from model version 10 to 9, stored as version 12" in text
    assert "`rollback_identical` is True" in text
    assert "not what the model it replaced predicted" in text


def test_a_rollback_names_its_reference_and_a_mismatch() -> None:
    """Reference: the report's claim, that the rollback is judged against what the target
    version predicted when it served, and says so when serving predicts something else."""
    seen = RollbackResult(10, 9, 12, True, True, observed=True).sentence()
    assert "what version 9 predicted when the serving client was served it" in seen
    wrong = RollbackResult(10, 9, 12, False, True).sentence()
    assert "it predicts not what version 9 predicts loaded afresh" in wrong
    assert "`rollback_identical` is False" in wrong


def test_a_rollback_that_changes_nothing_on_the_probe_says_so() -> None:
    assert "on this probe, also what" in RollbackResult(4, 3, 5, True, False).sentence()


def test_a_refused_rollback_gives_the_reason_and_who_keeps_serving() -> None:
    text = RollbackResult(7, None, None, False, False, "cohorts v3 learned erased rows").sentence()
    assert "no earlier champion may serve again" in text
    assert "cohorts v3 learned erased rows" in text
    assert "model version 7 keeps serving" in text


def test_with_a_single_champion_there_is_nothing_to_roll_back_to() -> None:
    text = RollbackResult(1, None, None, False, False).sentence()
    assert "model version 1 is the only champion so far" in text
