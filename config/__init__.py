"""Settings classes and the clinic's default data files (routing rules, clinic settings)."""
