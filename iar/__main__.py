"""``python -m iar ...`` runs the ``iar`` command."""

import sys

from iar.cli.commands import main

sys.exit(main())
