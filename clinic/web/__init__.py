"""What the web app has beside its pages: health probes and security headers."""
