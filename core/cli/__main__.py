"""``python -m ruralenv.core.cli``: the ``ruralenv`` command."""
from .main import main

if __name__ == "__main__":
    raise SystemExit(main())
