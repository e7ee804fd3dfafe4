"""Compiled kernels (Cython). Import through fastact's public API, not directly."""
