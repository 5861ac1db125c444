"""Shotgun transfer: rank every library model on a small target by cross-validation."""
