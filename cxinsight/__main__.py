"""Allow ``python -m cxinsight``."""

from cxinsight.cli import main

raise SystemExit(main())
