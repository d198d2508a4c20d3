"""Subcommands of the ``pid-bench`` command line, one module each."""
