"""Guided checklists: what the audit verifies and what only the doctor can attest (Qt-free)."""
