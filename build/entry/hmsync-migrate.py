"""PyInstaller entry point of the frozen command line (console): wizard.cli:run_program."""
import multiprocessing

from wizard.cli import run_program

if __name__ == "__main__":
    # big exports are prepared in a helper process: in a frozen program that process
    # starts this same executable, which must then run the helper instead of main()
    multiprocessing.freeze_support()
    run_program()
