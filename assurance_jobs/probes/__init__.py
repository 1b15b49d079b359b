"""Active runtime probes: obtain a short-lived token, use it, wait past its expiry, replay it, record the answer.

Configuration says what a token's lifetime *should* be; only trying it shows whether the relying service
enforces it. Tokens live in memory for the probe's duration only: the evidence keeps a salted fingerprint.
"""
