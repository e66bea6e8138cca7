"""Text setting for panels, captions and labels: wrapping that fits and reads right."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imgkit import profile as profiles
from imgkit.detail.drawing import _font, wrap

FONT = _font(profiles.load()).at(24)


@pytest.mark.parametrize("text", [
    "手工上色，每件花纹略有不同，请以实物为准。",
    "Hand-painted resin skull ornament with a very long English name that wraps",
    "长12×宽8×高9 cm，重约350 g（含底座）",
    "Supercalifragilisticexpialidociousandthensomemoreletters",
])
def test_lines_fit_keep_the_text_and_never_start_with_closing_punctuation(text):
    lines = wrap(text, FONT, 200)
    assert len(lines) > 1
    assert all(FONT.getlength(line) <= 200 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert not any(line[0] in "，。、；：！？）》」』】" for line in lines)


def test_latin_breaks_between_words_and_chinese_between_characters():
    assert wrap("linen shirt soft light", FONT, FONT.getlength("linen shirt") + 1) == ["linen shirt", "soft light"]
    lines = wrap("亚麻衬衫柔软透气", FONT, FONT.getlength("亚麻衬衫") + 1)
    assert lines == ["亚麻衬衫", "柔软透气"]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("亚麻衬衫柔软，。 abcXYZ-12")), min_size=1, max_size=60),
       st.integers(min_value=30, max_value=400))
def test_any_text_wraps_within_the_width(text, width):
    lines = wrap(text, FONT, width)
    assert all(FONT.getlength(line) <= width or len(line) == 1 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
