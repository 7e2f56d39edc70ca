"""Due work: the rules that set and clear every due time (`due`), the sweeps that act on
them (warnings, escalation, progress, surveys, closing) and hot-spot alerts. APScheduler only
triggers."""
