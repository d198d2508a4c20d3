"""Helpers for testing pid-bench against independent references (test-only dependencies)."""
