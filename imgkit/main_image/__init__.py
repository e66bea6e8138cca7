"""Marketplace main images (S1): render, from a photo, check, copy rules."""
