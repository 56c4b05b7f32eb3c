"""Security: staff sign-in protection (passwords and their policy, TOTP, sessions, rate
limits), the audit trail, development secrets and the `flask keys` commands."""
