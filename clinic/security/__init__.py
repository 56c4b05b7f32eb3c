"""Staff sign-in protection: password policy, TOTP, sessions and rate limits."""
