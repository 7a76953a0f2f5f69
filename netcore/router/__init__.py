"""Clients that ask the office router to forward ports: UPnP IGD, NAT-PMP, PCP.

Each client speaks one protocol and raises :class:`RouterError` with a
code and a plain sentence; :mod:`netcore.forwarding` decides which to use.
"""
