"""Certificates from an ACME CA (RFC 8555): Let's Encrypt in production, Pebble in tests.

``renewal`` is the ``certificates`` service (when, back-off, the files, the
keeper's reload); ``client`` makes one blocking attempt with certbot's
``acme`` library (``account`` for the key and the CA's account, ``tls_alpn``
for RFC 8737, ``problems`` for the CA's errors); ``names`` says which names to
ask for; ``challenges`` holds the answers in flight (served by the web
listener through ``http_challenge`` and by the keeper's TLS context);
``failures`` says why an attempt failed as a message id with parameters;
``state`` remembers attempts across restarts.
"""
