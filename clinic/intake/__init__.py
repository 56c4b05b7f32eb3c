"""The client intake: drafts, screens, the safety pathway, submitting and the drafts sweep.

Its pages (the `intake` blueprint) are clinic.intake.pages; nothing here imports them.
"""
