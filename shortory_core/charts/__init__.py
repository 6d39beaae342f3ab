"""Plotly figures the pages show, built from signals; no Streamlit here."""
