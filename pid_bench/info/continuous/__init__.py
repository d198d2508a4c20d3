"""Sample-based PID estimators for continuous and high-dimensional data, one module each."""
