"""Reusable widgets of the desktop (table model over a DataFrame, forms)."""
