"""write_atomically, for the Python baselines (boto3_write_credentials.py, google_auth_write_token.py).

Kept apart from harness.py on purpose: the baselines are timed as fresh processes, so what they
import is part of what is measured; this module imports only os and tempfile, which they load anyway.
"""

from __future__ import annotations

import os
import tempfile


def write_atomically(path: str, text: str, mode: int, prefix: str = ".tmp-") -> None:
    """Temp file in the same directory, mode set, written, fsynced, renamed over path."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=prefix)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
