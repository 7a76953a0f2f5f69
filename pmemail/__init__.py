"""pmemail: host a small office's own mail behind an ordinary internet router.

This package holds what every part shares: the configuration model and the
command line. It never imports Textual at import time; the TUI lives in
``pmemail_tui`` and is imported only when the app is opened.
"""

__version__ = "0.1.0"
