"""Certificates from an ACME CA (RFC 8555): Let's Encrypt in production, Pebble in tests.

``challenges`` holds the answers in flight (served by the web listeners),
``failures`` says why an attempt failed as a message id with parameters.
"""
