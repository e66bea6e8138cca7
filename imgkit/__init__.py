"""imgkit: turn a shop's raw product photos into listing-ready images."""

__version__ = "0.1.0"
