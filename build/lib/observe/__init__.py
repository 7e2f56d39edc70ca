"""What the running bot shows its operators: its log set-up (and, later, its metrics).
Imports nothing of ours, so every package may use it."""
