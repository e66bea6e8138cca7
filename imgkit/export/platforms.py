"""``--for taobao,jd,./my-amazon.toml``: the platforms to export for, each a shipped profile
name or a profile file whose ``[export] platform`` is set. The platform names the pack's
folder (``OUT/export/<platform>``), so two profiles for one platform are a usage error."""

from __future__ import annotations

from imgkit import profile as profiles
from imgkit.errors import ConfigError
from imgkit.profile import PLATFORMS, Profile


def load_targets(specs: str) -> list[tuple[str, Profile]]:
    """(platform, profile) for each entry of ``specs``, in order; ``ConfigError`` (exit 2) for
    an empty list, a profile that is no export profile, or a platform named twice."""
    wanted = [s.strip() for s in specs.split(",") if s.strip()]
    if not wanted:
        raise ConfigError(f"--for: name at least one platform ({', '.join(PLATFORMS)}) or export profile")
    out: dict[str, tuple[str, Profile]] = {}
    for spec in dict.fromkeys(wanted):
        prof = profiles.load(spec)
        platform = prof.export.platform
        if not platform:
            raise ConfigError(f"--for {spec}: {prof.path} is not an export profile (its [export] platform is "
                              f"not set; shipped: {', '.join(PLATFORMS)})")
        if platform in out:
            raise ConfigError(f"--for: {spec} and {out[platform][0]} are both for {platform}; "
                              f"each platform's pack is made once")
        out[platform] = (spec, prof)
    return [(platform, prof) for platform, (_, prof) in out.items()]
