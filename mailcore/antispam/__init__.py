"""Checks of mail arriving from the internet: sender authentication, blocklists,
the spam engine and the attachment policy (``[antispam]``)."""
