"""Discover stage: which files to scan, and what the project declares."""
