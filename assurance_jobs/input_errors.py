"""The error a configured input raises when it cannot be used, and the text helpers that phrase it as one line.

Every layer that reads a file a person configured (the HR feed, the baseline, the agent registry) raises
`InputError`; the command line prints it as one line and exits 2.
"""

from __future__ import annotations


class InputError(Exception):
    """A configured input that cannot be used, phrased as one line for the person who configured it."""


def one_line(error: Exception) -> str:
    """The first line of an error, with a count of the rest: a terminal user reads one line, not a listing."""
    lines = [line for line in str(error).splitlines() if line.strip()] or [type(error).__name__]
    rest = len(lines) - 1
    return lines[0] + (f" (and {rest} more problem{'s' if rest > 1 else ''} in the same file)" if rest else "")


def decode_text(raw: bytes, where: str, fix: str) -> str:
    """UTF-8 (a BOM is allowed); UTF-16 and other encodings are named so the user knows what to re-export."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{where}: the file is UTF-16; {fix} as UTF-8")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        byte = raw[error.start]
        raise InputError(
            f"{where}: not UTF-8 (byte 0x{byte:02x} at offset {error.start}, e.g. Latin-1); {fix} as UTF-8"
        ) from None
