"""Queue backends: the embedded SQLite queue and the brokers analysts run."""
