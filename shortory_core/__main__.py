import sys

from shortory_core.cli import main

sys.exit(main())
