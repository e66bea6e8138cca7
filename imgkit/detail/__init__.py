"""The detail image: its pipeline of steps, what is drawn on it (decoration) and how (drawing), the product sheet."""
