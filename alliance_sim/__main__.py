"""``python -m alliance_sim`` runs the command line."""

import sys

from alliance_sim.cli import main

sys.exit(main())
