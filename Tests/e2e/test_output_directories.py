"""Output directories: the agent creates them 0750 (narrowed by the umask), leaves existing ones alone, and
removes at start the temporary files an interrupted write left behind."""

from __future__ import annotations

import os
import stat

from e2e_support import read_credentials


def test_a_created_output_directory_is_0750(ws, fake_sts):
    umask = os.umask(0o022)
    os.umask(umask)
    output = ws.out_dir / "new" / "deeper" / "credentials"
    ws.out_dir.chmod(0o755)  # existing: must keep its mode
    result = ws.agent(ws.config(fake_sts.url, output=output))
    assert result.returncode == 0, result
    for directory in (output.parent.parent, output.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o750 & ~umask, directory
    assert stat.S_IMODE(ws.out_dir.stat().st_mode) == 0o755
    assert read_credentials(output)["aws_access_key_id"] == fake_sts.issued[-1].access_key_id


def test_leftover_temporary_files_are_removed_at_start(ws, fake_sts):
    leftovers = [ws.out_dir / ".credentials.skyferry-Ab12Cd", ws.out_dir / ".credentials.skyferry-zz99ZZ"]
    kept = [ws.out_dir / ".credentials.skyferry-notmine", ws.out_dir / ".other.skyferry-Ab12Cd", ws.out_dir / "notes"]
    for path in leftovers + kept:
        path.write_text("half-written secret")
    result = ws.agent(ws.config(fake_sts.url), "--log-level", "debug")
    assert result.returncode == 0, result
    assert [p for p in leftovers if p.exists()] == []
    assert [p for p in kept if not p.exists()] == []
    for path in leftovers:
        assert str(path) in result.stderr, result
    assert sorted(p.name for p in ws.out_dir.iterdir()) == sorted(["credentials"] + [p.name for p in kept])
