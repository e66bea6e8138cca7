"""The build: scan → chart photos → plan → work → publish, run by a session (build and watch) on a local pool
or Dask."""
