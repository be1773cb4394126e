"""``python -m flows.cli``: the ``presswash`` command."""

import sys

from flows.cli import main

sys.exit(main())
