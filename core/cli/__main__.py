"""``python -m ruralenv.core.cli``: the ``ruralenv`` command."""
from .main import main

raise SystemExit(main())
