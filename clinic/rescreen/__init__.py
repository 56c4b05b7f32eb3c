"""Re-screens while waiting (docs/clinical-policy.md "Waiting safely").

- `invitations`: the beat sweep that invites clients who are due, with a one-time link;
- `answers`: opening the link, saving each screen, sending the re-screen (the client's
  pages are in `clinic.intake.pages.rescreen_views`);
- `assess`: the routing worker's assessment of a sent re-screen.
"""
