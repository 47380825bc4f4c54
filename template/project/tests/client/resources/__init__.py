"""Each resource's client methods against the live service (rendered with the resource)."""
