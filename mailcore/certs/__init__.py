"""The certificate every TLS port serves: which one, its facts, and swapping it live.

``keeper`` chooses it (the admin's file, a valid ACME chain, else the
self-signed one from ``selfsigned``) and serves it through the one TLS
context every listener shares; ``info`` reads a certificate's facts,
``report`` joins them with the ACME renewal state into the status the CLI,
dashboard and wizard show.
"""
