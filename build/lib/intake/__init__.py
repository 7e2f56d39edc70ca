"""One customer message in: threading, opening, follow-ups, survey answers, duplicates, the guided
chat, bounces and dead letters. Parse → decide (router) → persist (store) → say (outbox)."""
