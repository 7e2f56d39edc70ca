"""A complaint's grades, least serious first: the router sets one, staff correct it, the queue
filters by it. Kept here, in the kernel, so every package (the store's queue too) reads one list."""

from __future__ import annotations

GRADES = ("general", "important", "urgent")
