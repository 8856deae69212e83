"""`python -m gilcheck ARGS` runs the gilcheck binary, like the `gilcheck` command."""
import sys

from gilcheck import main

sys.exit(main())
