"""HTTP layer: blueprints, request hooks and error handlers."""
