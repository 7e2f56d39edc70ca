"""The complaint desk's services: settings, intake, the outbox dispatcher and reply templates."""
