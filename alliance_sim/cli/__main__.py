"""``python -m alliance_sim.cli``."""

import sys

from alliance_sim.cli import main

sys.exit(main())
