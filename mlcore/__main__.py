"""`python -m mlcore` is the `mlcore` command."""

import sys

from mlcore.cli import main

sys.exit(main())
