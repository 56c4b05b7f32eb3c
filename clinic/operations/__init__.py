"""Running a deployment: `flask doctor`, and the `flask` commands that need no settings."""
