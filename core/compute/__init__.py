"""Compute backends: device selection (CPU/GPU), torch threads shared by concurrent work, Dask."""
