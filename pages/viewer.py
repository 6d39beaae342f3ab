"""Placeholder for the remote viewer's page (the lead engineer writes the real one): app.py
routes every URL that carries ``invite=`` here, and nowhere else."""

import streamlit as st

st.title("Your reaction")
