"""Shotgun transfer-learning workbench: featurize, pretrain a model library, transfer.

The package holds all logic of the product; the Streamlit pages and the CLI are thin
layers over it.  It never imports streamlit (a test enforces this).
"""

__version__ = "0.2.0"

#: Version of the on-disk library format (catalog schema and model files).  A library
#: written with a higher number is refused by :mod:`core.library`.
LIBRARY_FORMAT_VERSION = 1

__all__ = ["__version__", "LIBRARY_FORMAT_VERSION"]
