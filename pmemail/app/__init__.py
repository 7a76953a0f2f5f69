"""Use cases shared by the command line, the wizard and the dashboard (no UI).

Each module is named after what it does for the office admin: the status
snapshot, starting and stopping the server, forwarding actions, client
settings, the first config, the systemd unit. They return data (never
sentences built for one screen) and block: the TUI calls them from workers.
"""
