"""The webhook channel: signed JSON complaints from other systems, answers to their callback
URL."""
