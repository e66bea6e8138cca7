"""Commands on a finished OUT: the description page (R5) and sold-out marks (R11)."""
