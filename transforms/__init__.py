"""Plain functions that read, normalise, map and build tables. No Prefect here."""
