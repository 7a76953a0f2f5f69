"""The certificate every TLS port serves: which one, its facts, and swapping it live.

``info`` reads a certificate's facts, ``report`` joins them with the ACME
renewal state into the status the CLI, dashboard and wizard show.
"""
