"""Framework-free rules of the service core."""
