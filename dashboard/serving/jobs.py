"""The background-job store of the PDF export, one for every worker of a server.

Dash's ``DiskcacheManager`` keeps a job's progress and result under a key made from the
callback's arguments, and the signing secret of the job handles in the same cache
(DESIGN 9: a cache folder per process hides a job started on one worker from the worker
that answers its poll). Here the cache is one folder in the workspace's state folder
(``dashboard.serving.state``), and each job gets a key of its own: two readers exporting
the same view at the same moment would otherwise share one key, and the first to poll
would take, and delete, the other's PDF.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from dash import DiskcacheManager

from dashboard.serving.state import shared_cache, state_dir

__all__ = ["SharedJobs", "job_manager"]


class SharedJobs(DiskcacheManager):
    """A DiskcacheManager whose job keys are unique per started job."""

    def build_cache_key(self, fn, args, cache_args_to_ignore, triggered):
        # Called once, when a job starts; the key then travels (signed) with the polls.
        key = super().build_cache_key(fn, args, cache_args_to_ignore, triggered)
        return f"{key}-{secrets.token_hex(8)}"


def job_manager(workspace_root: str | Path, expire: int) -> SharedJobs:
    """The manager on the shared job store of the workspace at ``workspace_root``;
    finished results not collected go after ``expire`` seconds."""
    return SharedJobs(shared_cache(state_dir(workspace_root), "jobs"), expire=expire)
