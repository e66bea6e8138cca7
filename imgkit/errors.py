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
