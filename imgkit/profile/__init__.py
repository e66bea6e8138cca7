"""The shop's rules: a TOML profile loaded (``load``) into frozen section dataclasses
(``sections``), fingerprinted so outputs know what made them (``fingerprint``)."""

from imgkit.profile.load import PIPELINE_VERSION, SECTIONS, SHIPPED_DIR, Profile, load, resolve, shipped
from imgkit.profile.sections import (
                                     AUTO_WHITE_BALANCE,
                                     BANNED_WORDS,
                                     CCM_METHODS,
                                     FACT_FIELDS,
                                     FORMATS,
                                     LINK_TLDS,
                                     LINK_WORDS,
                                     PAGE_SECTIONS,
                                     PLATFORMS,
                                     POSITIONS,
                                     Backup,
                                     Captions,
                                     Colour,
                                     Detail,
                                     Export,
                                     Facts,
                                     Input,
                                     MainImage,
                                     Marks,
                                     Master,
                                     Naming,
                                     Page,
                                     Sheet,
                                     Validate,
                                     Watermark,
)

__all__ = ["PIPELINE_VERSION", "SECTIONS", "SHIPPED_DIR", "Profile", "load", "resolve", "shipped",
           "AUTO_WHITE_BALANCE", "BANNED_WORDS", "CCM_METHODS", "FACT_FIELDS", "FORMATS", "LINK_TLDS",
           "LINK_WORDS", "PAGE_SECTIONS", "PLATFORMS", "POSITIONS", "Backup", "Captions", "Colour", "Detail",
           "Export", "Facts", "Input", "MainImage", "Marks", "Master", "Naming", "Page", "Sheet", "Validate",
           "Watermark"]
