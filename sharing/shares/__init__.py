"""Shares, from invitation to their end: the checks and row locks behind R2-R9, the one saving
path, the queries behind every list, the previews a wizard refuses early with, and expiry (R11)."""
