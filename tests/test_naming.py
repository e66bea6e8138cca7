import pytest

from imgkit.errors import Rejected
from imgkit.naming import check_item, is_ignored, item_from_filename, natural_key, next_indices

PATTERN = r"^(?P<item>[A-Za-z]*\d+[A-Za-z0-9]*)"


@pytest.mark.parametrize("item", ["A1023", "SKU-778", "连衣裙A1", "x" * 64])
def test_safe_items_pass(item):
    assert check_item(item) == item


@pytest.mark.parametrize("item, words", [
    ("..", "escape"), (".", "escape"), ("a/b", "escape"), ("a\\b", "escape"),
    ("A1\n", "characters"), ("A\x001", "characters"), ("A1:2", "characters"), ("A1?", "characters"),
    ("CON", "reserved"), ("lpt1.jpg", "reserved"), ("A1 ", "space"), ("A1.", "dot"),
    ("-rf", "option"), ("x" * 65, "longer"), ("", "empty"),
])
def test_unsafe_items_are_refused_with_reason(item, words):
    with pytest.raises(Rejected, match=words):
        check_item(item)


@pytest.mark.parametrize("stem, item", [("A1023_front", "A1023"), ("A1023 02", "A1023"),
                                        ("A1023-01", "A1023"), ("B77x", "B77x"), ("12345", "12345")])
def test_item_from_filename(stem, item):
    assert item_from_filename(stem, PATTERN) == item


@pytest.mark.parametrize("stem", ["IMG_0001", "front", "_A1023"])
def test_no_item_in_filename(stem):
    with pytest.raises(Rejected, match="no item number"):
        item_from_filename(stem, PATTERN)


@pytest.mark.parametrize("name", [".DS_Store", "Thumbs.db", "desktop.ini", ".hidden.jpg",
                                  "photo.jpg.part", "x.crdownload", "~$sheet.xlsx"])
def test_ignored(name):
    assert is_ignored(name)


@pytest.mark.parametrize("name", ["A1023.jpg", "notes.txt", "IMG_0001.JPG"])
def test_not_ignored(name):
    assert not is_ignored(name)


def test_natural_order():
    names = ["IMG_10.jpg", "img_2.jpg", "IMG_1.jpg", "IMG_100.jpg"]
    assert sorted(names, key=natural_key) == ["IMG_1.jpg", "img_2.jpg", "IMG_10.jpg", "IMG_100.jpg"]


def test_next_indices_never_reuse_or_fill_gaps():
    assert next_indices([], 3, 1) == [1, 2, 3]
    assert next_indices([1, 2, 5], 2, 1) == [6, 7]
    assert next_indices([], 1, 0) == [0]
