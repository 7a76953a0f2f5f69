"""The runtime of ``pmemail serve``: what runs the mail and network services.

The composition root (``composition``) builds every service from the config,
the supervisor starts and stops them, the control socket answers the CLI and
the dashboard, and the router monitor keeps the port mappings alive. It sits
above ``mailcore`` and ``netcore`` (which never import each other) and below
the use cases in ``pmemail.app``.
"""
