"""Open Badges 3.0 credentials for completed courses: issuing, publishing, verifying,
revoking and printing (see docs/CREDENTIALS.md)."""
