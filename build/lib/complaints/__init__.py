"""The shared kernel every package may import: the error tree, the clock, complaint numbers,
registration fields, statuses and their groups, channel addresses. It imports nothing of ours."""
