"""Shell command lines and the $GITHUB_OUTPUT / $GITHUB_ENV file format, as GitHub reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploybook.cicd.emulator.shell import ShellError, read_file_commands, shell_template

SHELLS = [
    (None, "bash -e {0}"),  # no shell: bash -e, without GitHub's pipefail
    ("bash", "bash --noprofile --norc -eo pipefail {0}"),
    ("sh", "sh -e {0}"),
    ("python", "python {0}"),
    ("perl {0}", "perl {0}"),  # a custom template
]


@pytest.mark.parametrize(("shell", "command"), SHELLS)
def test_shell_templates(shell: str | None, command: str) -> None:
    assert shell_template(shell) == command


def test_an_unknown_shell_is_named() -> None:
    with pytest.raises(ShellError, match="shell 'pwsh' is not supported here"):
        shell_template("pwsh")


FILES = [
    ("a=1\nb=two words\n", {"a": "1", "b": "two words"}),
    ("url=https://x/?q=a=b\n", {"url": "https://x/?q=a=b"}),  # the first '=' splits
    ("notes<<EOF\nline one\nline two\nEOF\n", {"notes": "line one\nline two"}),
    ("empty<<END\nEND\nafter=1\n", {"empty": "", "after": "1"}),
    ("x=<<not a heredoc\n", {"x": "<<not a heredoc"}),  # '=' before '<<': name=value
    ("\n\nk=v\n\n", {"k": "v"}),  # blank lines are skipped
    ("k=1\nk=2\n", {"k": "2"}),  # the last write wins
]


@pytest.mark.parametrize(("text", "values"), FILES)
def test_file_commands(tmp_path: Path, text: str, values: dict[str, str]) -> None:
    path = tmp_path / "out"
    path.write_text(text)
    assert read_file_commands(path, "$GITHUB_OUTPUT") == values


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("=v\n", "'=v' has no name before '='"),
        ("<<EOF\nx\nEOF\n", "needs a name and a delimiter"),
        ("v<<EOF\nnever closed\n", "'v' is never closed by its delimiter 'EOF'"),
        ("no separator\n", "cannot parse line 'no separator'"),
    ],
)
def test_malformed_lines_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "env"
    path.write_text(text)
    with pytest.raises(ValueError, match=r"^\$GITHUB_ENV: ") as caught:
        read_file_commands(path, "$GITHUB_ENV")
    assert message in str(caught.value)
