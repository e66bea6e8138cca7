"""Reference data shipped with imgkit (read with importlib.resources)."""
