"""What agents and supervisors do: actions on a complaint, the views they see, merging,
solutions and approval, canned replies."""
