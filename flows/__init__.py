"""vnhealth-etl: Prefect flows, the CLI, settings and warehouse I/O."""
