"""`mlcore ... --help` lists every subcommand, each with one line of help."""

from __future__ import annotations

import argparse

import pytest

from mlcore.cli.main import build_parser, main


def _walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Yield (path, subparsers action) for every level of the parser tree."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield path, action
            for name, child in action.choices.items():
                yield from _walk(child, path + (name,))


def test_every_subcommand_has_a_one_line_help():
    levels = list(_walk(build_parser()))
    assert len(levels) >= 8  # mlcore, datasets, data, models, ab, jobs, recipes, experiments
    missing = []
    for path, action in levels:
        listed = {a.dest: a.help for a in action._choices_actions}
        for name in action.choices:
            text = listed.get(name)
            if not text or "\n" in text or text == argparse.SUPPRESS:
                missing.append(" ".join(("mlcore",) + path + (name,)))
    assert not missing, f"subcommands without a one-line help: {missing}"


@pytest.mark.parametrize("group, expected", [
    ("ab", ["create", "list", "show", "outcomes", "stop", "promote-winner"]),
    ("models", ["list", "show", "deploy", "promote"]),
    ("jobs", ["list", "show"]),
    ("recipes", ["save", "list", "show"]),
    ("experiments", ["list"]),
])
def test_group_help_lists_its_subcommands(group, expected, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([group, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    listed = [line.split()[0] for line in text.splitlines() if line.startswith("    ") and line.split()]
    assert set(expected) <= set(listed), text
