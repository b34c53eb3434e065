"""PyInstaller entry point of the frozen command line (console): wizard.cli:main."""
import sys

from wizard.cli import main

if __name__ == "__main__":
    sys.exit(main())
