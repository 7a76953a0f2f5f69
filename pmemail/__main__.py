"""``python -m pmemail`` is the same as the ``pmemail`` command."""

import sys

from pmemail.cli.main import main

sys.exit(main())
