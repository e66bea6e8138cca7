"""One small exception hierarchy; only ``cli.py`` maps it to exit codes."""


class ImgkitError(Exception):
    """Base of every error imgkit raises on purpose."""


class ConfigError(ImgkitError):
    """Usage or configuration problem: nothing was written (exit 2)."""


class ProfileError(ConfigError):
    """A profile file is missing, malformed or names a missing asset."""


class LockedError(ConfigError):
    """Another imgkit process works on the same output tree."""


class OutputError(ImgkitError):
    """OUT stopped taking writes mid-run (disk full, gone read-only); what was done stays (exit 1)."""


class Rejected(ImgkitError):
    """One input cannot be used; the batch goes on. ``reason`` is one line."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def plain(exc: BaseException) -> str:
    """What went wrong in words for a one-line message: no errno tuples, codec positions or
    Python object reprs (``<_io.BytesIO object at 0x7f…>``)."""
    import json
    import re

    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = (str(exc).splitlines() or [type(exc).__name__])[0]
    return re.sub(r"\s*<[^<>]* at 0x[0-9a-fA-F]+>", "", text) or type(exc).__name__
