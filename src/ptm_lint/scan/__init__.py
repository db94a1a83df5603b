"""Scan stage: parse candidate files and extract loader calls with statically resolved arguments."""
