"""Checks of finished images against the shop's rules: the rules, validate, watermark matching."""
