"""PyInstaller entry point of the frozen command line (console): wizard.cli:main."""
import multiprocessing
import sys

from wizard.cli import main

if __name__ == "__main__":
    # big exports are prepared in a helper process: in a frozen program that process
    # starts this same executable, which must then run the helper instead of main()
    multiprocessing.freeze_support()
    sys.exit(main())
