"""`python -m fledge`."""

from fledge.cli import main

main()
