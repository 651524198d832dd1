"""``python -m tools.site``: see :mod:`tools.site`."""

import sys

from tools.publishing.site import main

if __name__ == "__main__":
    sys.exit(main())
