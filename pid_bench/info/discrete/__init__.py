"""Discrete PID measures, one module each (found by name through ``pid_bench.info.registry``)."""
