"""Request and response bodies, validated with Pydantic."""
