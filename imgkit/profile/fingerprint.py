"""What an output was made with, as one value: the profile's fingerprint, the colour
calibration's id and the decoration's key. Written into the state as
``<profile>[+<calibration>][#<decoration>]``; built and read only here."""

from __future__ import annotations

from dataclasses import dataclass, replace

#: joins a calibration id to the profile's fingerprint
CALIBRATION = "+"
#: joins a decoration key; not "+": the calibration's hex id could look like anything after it
DECORATION = "#"


@dataclass(frozen=True)
class Fingerprint:
    profile: str
    calibration: str = ""   # calibration_id of the calibration file applied, if any
    decoration: str = ""    # Decoration.key of what is drawn, if anything

    def __str__(self) -> str:
        text = self.profile
        if self.calibration:
            text += CALIBRATION + self.calibration
        if self.decoration:
            text += DECORATION + self.decoration
        return text

    @classmethod
    def parse(cls, text: str) -> Fingerprint:
        rendered, _, decoration = text.partition(DECORATION)
        profile, _, calibration = rendered.partition(CALIBRATION)
        return cls(profile, calibration, decoration)

    def decorated(self, key: str) -> Fingerprint:
        """The same rendering with the decoration ``key`` (empty: none) drawn on it."""
        return replace(self, decoration=key)
