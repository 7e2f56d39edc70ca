"""Everything said to anyone: texts and templates per language, one `tell_customer`, one
`tell_staff`, and the dispatcher that delivers queued rows through the channels."""
