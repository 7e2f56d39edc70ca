"""The marks a suspected duplicate leaves, shared by intake (which flags) and staff (who merge)."""

from __future__ import annotations

TAG = "possible-duplicate"
"""The tag on both complaints while they are suspected to be one."""
SUSPECTED = "duplicate_suspected"
"""The event on each complaint, naming the other (`{"of": number, "similarity": x}`)."""
