"""The ``pmemail`` command line: one module per command group."""
