"""Figure builders of the dashboard (plotly), and the pictures of structures.

==================  ==============================================================
module              what it draws
==================  ==============================================================
``ranking``         ranking bars, CV-error distribution with scratch lines, parity
``heatmap``         transferability: source property x target or x strategy
``curves``          learning curves, transfer beside scratch
``library``         models per property, source metrics, a net's architecture
``data``            the target's histogram
``depict``          RDKit 2D depictions, compositions
``structure3d``     3D models (QM9, RDKit, CIF) and the offline 3Dmol.js viewer
``export``          figures as standalone HTML and PNG (kaleido)
==================  ==============================================================

Every builder takes plain data (DataFrames, arrays, dicts) and returns a
``plotly.graph_objects.Figure`` (or text); none imports streamlit.
"""
