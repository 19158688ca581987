"""Secrets from an env file, masked as *** in logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploybook.cicd.emulator.masking import Masker, load_env_file


def test_env_file_forms(tmp_path: Path) -> None:
    path = tmp_path / ".secrets"
    path.write_text(
        "# comment\n\nTOKEN=abc123\nexport QUOTED='with spaces'\nMULTI=\"one\\ntwo\"\nEMPTY=\n"
    )
    assert load_env_file(path) == {
        "TOKEN": "abc123",
        "QUOTED": "with spaces",
        "MULTI": "one\ntwo",
        "EMPTY": "",
    }


def test_malformed_line_is_named_but_not_shown(tmp_path: Path) -> None:
    path = tmp_path / ".secrets"
    path.write_text("GOOD=1\nthis is hunter2\n")
    with pytest.raises(ValueError, match=r"\.secrets:2: expected KEY=VALUE") as caught:
        load_env_file(path)
    assert "hunter2" not in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="secrets file not found"):
        load_env_file(tmp_path / "nope")


def test_masker_masks_longest_first_and_each_line() -> None:
    masker = Masker(["abc", "abcdef", "line1\nline2", "  "])
    assert masker.mask("x abcdef y abc") == "x *** y ***"
    assert masker.mask("got line2 alone") == "got *** alone"
    assert masker.mask("spaces  stay") == "spaces  stay"
