"""Readers of practice and imaging software configuration (no network, no Qt)."""
