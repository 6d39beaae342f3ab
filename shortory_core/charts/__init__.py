"""Plotly figures the pages show, built from timelines and panels; no Streamlit here. Colours
come from the signals themselves (``palette.py``)."""
