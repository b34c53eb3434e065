import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HMSYNC_WIZARD_LOG_DIR", os.path.join(os.path.dirname(__file__), ".logs"))
