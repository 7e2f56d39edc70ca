"""What admins manage: accounts and tokens, the rule book (versions, publish, rollback),
dry-run and backtest, reports, customers' personal data."""
