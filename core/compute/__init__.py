"""Compute backends: device selection (CPU/GPU), torch threads shared by concurrent work, freed
memory given back during long work, Dask."""
