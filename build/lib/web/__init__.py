"""The staff side over HTTP: the JSON API under /api and the web console under /console."""
