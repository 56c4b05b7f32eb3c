"""The clinic's own settings file (`config/clinic.yaml`, or a clinic's CLINIC_SETTINGS):
what clients read, draft rules, and who is notified. Environment settings are
config/settings.py."""
