"""Pipelines: tuples of plain step functions over one frozen value."""
