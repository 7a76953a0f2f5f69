"""DKIM for outgoing mail: per-domain keys, a streaming body hash and the signer.

``keys`` keeps one RSA key per domain and selector under ``data_dir/dkim``;
``body_hash`` canonicalizes a message body (relaxed, RFC 6376 §3.4.4) a line
piece at a time, so a 150 MB message is never held in memory; ``signer``
turns the header block and that hash into a ``DKIM-Signature`` with dkimpy.
"""
