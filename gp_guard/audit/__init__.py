"""The workstation audit: checks, questions, runner, score and history (no Qt here)."""
