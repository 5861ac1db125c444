"""Compute backends: device selection (CPU/GPU) and, later, Dask."""
