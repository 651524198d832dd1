"""``python -m tools.publishing.site``: see :mod:`tools.publishing.site`."""

import sys

from tools.publishing.site import main

if __name__ == "__main__":
    sys.exit(main())
