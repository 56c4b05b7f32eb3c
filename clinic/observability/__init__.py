"""Logs (one JSON object per line in production) and their correlation ids."""
