"""Dynamic DNS: keep the mail host name's A record on the office's current address.

``protocol`` (the request and the answers, pure), ``settings`` (what the
config asks for, and whether an update is wanted at all), ``state`` (what was
sent, what came back, when to try again; a file in the state dir) and
``updater`` (one decision and at most one request).
"""
