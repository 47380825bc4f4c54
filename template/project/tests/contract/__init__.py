"""The HTTP contract, in plain HTTP: the same suite for every framework variant."""
