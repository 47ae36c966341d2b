"""``python -m dashboard``: the command line (serve, validate, geocode, snapshot, bench)."""

from dashboard.cli import main

raise SystemExit(main())
