"""Tests of the service: unit, contract and integration."""
