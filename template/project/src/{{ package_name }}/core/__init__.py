"""Framework-agnostic building blocks shared by every layer of the service."""
