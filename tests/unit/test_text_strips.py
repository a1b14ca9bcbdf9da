"""Strip reading without the models: tiles and their cores, words kept once, lines joined across tiles only
where they run along the strip (oculi.ml.tasks.text_recognition; the models' side is in
tests/integration/test_text_shapes.py)."""

from __future__ import annotations

from oculi.ml.tasks.text_recognition import TextLine, _join, _kept, strip_tiles


def _box(x0: float, x1: float, y0: float = 10, y1: float = 60):
    return (x0, y0), (x1, y0), (x1, y1), (x0, y1)


def _line(*words: tuple[str, float, float], y0: float = 10, y1: float = 60) -> TextLine:
    ws = tuple((t, 0.9, _box(a, b, y0, y1)) for t, a, b in words)
    return TextLine(" ".join(t for t, _, _ in words), 0.9, _box(words[0][1], words[-1][2], y0, y1), ws)


def test_tiles_overlap_by_half_and_their_cores_cover_the_strip_once():
    for length in (80, 2000, 2001, 3000, 4000, 9999, 20000):
        tiles = strip_tiles(length, 2000)
        assert tiles[0][0] == 0 and tiles[-1][1] == length and tiles[0][2] == 0 and tiles[-1][3] == length
        assert all(e - s <= 2000 for s, e, _, _ in tiles)
        for (_, e0, _, hi), (s1, _, lo, _) in zip(tiles, tiles[1:], strict=False):
            assert e0 - s1 >= 1000 and hi == lo  # overlap of at least half a tile; cores meet
            assert s1 <= lo <= e0
        # a word up to half a tile long whose centre is in a core lies inside that core's tile
        for s, e, lo, hi in tiles:
            assert lo - 500 >= s and hi + 500 <= e or (s == 0 and lo == 0) or (e == length and hi == length)


def test_a_word_is_kept_by_the_tile_whose_core_holds_its_centre():
    line = _line(("LONG", 900, 1040), ("THIN", 1060, 1170), ("STRIP", 1180, 1310))
    assert _kept(line, 0, 1000, 0).text == "LONG"
    assert _kept(line, 1000, 2000, 0).text == "THIN STRIP"
    assert _kept(line, 2000, 3000, 0) is None
    assert _kept(line, 0, 3000, 0) is line
    # rapidocr cut "WHEN" into "W" and "HEN": the line's own text is kept for the words' characters
    split = TextLine("EVEN WHEN A", 0.9, _box(0, 300), (("EVEN", 0.9, _box(0, 100)), ("W", 0.9, _box(120, 150)),
                                                          ("HEN", 0.9, _box(155, 230)), ("A", 0.9, _box(250, 280))))
    assert _kept(split, 110, 240, 0).text == "WHEN"


def test_pieces_of_one_line_are_joined_across_tiles_and_rows_across_the_strip_are_not():
    a = _line(("ALONG", 1000, 1200), ("THE", 1220, 1300))
    b = _line(("STRIP", 1330, 1500))
    assert [t.text for t in _join([(0, a), (1, b)], 0)] == ["ALONG THE STRIP"]
    assert [t.text for t in _join([(0, a), (0, b)], 0)] == ["ALONG THE", "STRIP"]  # one tile: rapidocr's split
    far = _line(("FAR", 1600, 1700))
    assert [t.text for t in _join([(0, a), (1, far)], 0)] == ["ALONG THE", "FAR"]  # a gap wider than a letter
    # a vertical strip (axis 1) with short rows written across it: rows stacked along y stay apart
    row1 = TextLine("AB", 0.9, _box(10, 70, 1980, 2020), ())
    row2 = TextLine("CD", 0.9, _box(10, 70, 2030, 2070), ())
    assert [t.text for t in _join([(0, row1), (1, row2)], 1)] == ["AB", "CD"]
