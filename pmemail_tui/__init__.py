"""pmemail_tui: the Textual app. It renders state and calls the core from workers."""
