"""PyInstaller entry point of the frozen wizard (windowed): wizard.gui.app:main."""
import sys

from wizard.gui.app import main

if __name__ == "__main__":
    sys.exit(main())
