"""The dashboard's panels, messages and formatting helpers."""
