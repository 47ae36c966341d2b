"""``python -m dashboard.bench``: see dashboard/bench/cli.py."""

from dashboard.bench.cli import main

raise SystemExit(main())
