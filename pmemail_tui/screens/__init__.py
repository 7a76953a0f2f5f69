"""Screens of the app: the wizard (one step a file) and the dashboard."""
