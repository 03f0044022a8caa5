"""Every command line in the README and under docs/ is exercised, so the docs cannot drift from the binary.

- `skyferry setup …` lines are run (setup is pure: it prints a script and touches nothing) and must exit 0,
  and the script they print must be valid shell;
- every other `skyferry …` line must name a subcommand and only flags that its `--help` lists;
- `scripts/…` lines must name an executable script of the repository; `python bench/…` lines a benchmark
  whose `--help` lists every flag they use;
- any other command (docker, helm, kubectl, systemctl, curl, …) must name only repository paths that exist.
YAML blocks are checked by the Swift tests (Tests/SFWebhookTests/DocumentationExamplesTests.swift).
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from e2e_support import REPO_ROOT, run

PAGES = sorted([REPO_ROOT / "README.md", REPO_ROOT / "manifests" / "vm" / "README.md", *(REPO_ROOT / "docs").rglob("*.md")])


def command_lines() -> list[tuple[str, int, str]]:
    """(page, line number, command) for each line of each ```sh block."""
    found: list[tuple[str, int, str]] = []
    for page in PAGES:
        language = None
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
            if line.startswith("```"):
                language = None if language is not None else (line[3:].strip() or "plain")
                continue
            if language == "sh" and line.strip():
                command = re.sub(r"\s+#\s.*$", "", line).strip()
                found.append((str(page.relative_to(REPO_ROOT)), number, command))
    return found


COMMANDS = command_lines()


def test_the_docs_have_commands() -> None:
    assert len(COMMANDS) >= 10, COMMANDS


def _help(skyferry_bin: Path, words: list[str]) -> str:
    result = subprocess.run([str(skyferry_bin), *words, "--help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, f"`skyferry {' '.join(words)} --help` failed: {result.stderr}"
    return result.stdout


@pytest.mark.parametrize(("page", "number", "command"), COMMANDS, ids=[f"{p}:{n}" for p, n, _ in COMMANDS])
def test_command_line(page: str, number: int, command: str, skyferry_bin: Path, tmp_path: Path) -> None:
    words = shlex.split(command)
    where = f"{page}:{number}: {command}"
    if words[0] == "skyferry":
        subcommand = [w for w in words[1:3] if not w.startswith("-")]
        # `setup aws|gcp|azure` has two words of subcommand; the others one.
        subcommand = subcommand[:2] if subcommand[:1] == ["setup"] else subcommand[:1]
        text = _help(skyferry_bin, subcommand)
        for flag in (w.split("=", 1)[0] for w in words if w.startswith("--")):
            assert re.search(rf"(^|[\s,\[]){re.escape(flag)}\b", text), f"{where}: `{flag}` is not an option of skyferry {' '.join(subcommand)}"
        if subcommand[:1] == ["setup"]:
            result = run([str(skyferry_bin), *words[1:]], {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
            assert result.returncode == 0, f"{where}: {result}"
            script = tmp_path / "setup.sh"
            script.write_text(result.stdout)
            check = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
            assert check.returncode == 0, f"{where}: the printed script is not valid shell: {check.stderr}"
    elif words[0].endswith("/python") and len(words) > 1 and words[1].startswith("bench/"):
        script = REPO_ROOT / words[1]
        assert script.is_file(), f"{where}: {words[1]} does not exist"
        help_text = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=60)
        assert help_text.returncode == 0, f"{where}: `{words[1]} --help` failed: {help_text.stderr}"
        for flag in (w.split("=", 1)[0] for w in words if w.startswith("--")):
            assert flag in help_text.stdout, f"{where}: `{flag}` is not an option of {words[1]}"
    elif words[0].startswith("scripts/"):
        path = REPO_ROOT / words[0]
        assert path.is_file() and path.stat().st_mode & 0o111, f"{where}: {words[0]} is not an executable script"
    else:
        for word in words:
            if re.match(r"^(bench|charts|manifests|scripts|docs|Tests)/", word) or word in ("Dockerfile", "."):
                assert (REPO_ROOT / word).exists(), f"{where}: {word} does not exist in the repository"
