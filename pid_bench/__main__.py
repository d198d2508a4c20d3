"""``python -m pid_bench``: the ``pid-bench`` command (``torchrun -m pid_bench run CONFIG``)."""

import sys

from pid_bench.cli import main

sys.exit(main())
