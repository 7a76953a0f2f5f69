"""mailcore: the bundled mail stack (SMTP, submission, queue, IMAP, POP3, webmail).

No user interface here: this package never imports Textual.
"""
