"""errors.plain: a library's exception as words for a one-line message."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image, UnidentifiedImageError

from imgkit.errors import plain


def test_no_python_reprs_errno_tuples_or_codec_positions(tmp_path):
    with pytest.raises(UnidentifiedImageError) as pil:
        Image.open(io.BytesIO(b"not an image"))
    assert "0x" in str(pil.value)                      # Pillow names the BytesIO object
    assert plain(pil.value) == "cannot identify image file"
    with pytest.raises(OSError) as missing:
        (tmp_path / "nope.json").read_text()
    assert plain(missing.value) == "No such file or directory"
    with pytest.raises(json.JSONDecodeError) as bad:
        json.loads('{"a": 1,}')
    assert plain(bad.value) == "not valid JSON (line 1, column 9: Expecting property name enclosed in double quotes)"
    with pytest.raises(UnicodeDecodeError) as codec:
        b"\xff\xfe\xfa".decode("utf-8")
    assert plain(codec.value) == "not UTF-8 text"
    assert plain(ValueError("first line\nsecond")) == "first line"
    assert plain(KeyError()) == "KeyError"
