"""The practice's security report: HTML and PDF, built without Qt and without a display."""
