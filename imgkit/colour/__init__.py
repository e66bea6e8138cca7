"""Colour (R8): conversions and ΔE2000, chart detection, references, fits, calibration files.
Imports nothing from the build."""
