"""The pinyin table the speller reads (assistant/resources/pinyin.txt) gives, for every character of the CJK
Unified Ideographs block, exactly what pypinyin gives: the toneless syllable and the final.

Regenerate it after a pypinyin upgrade: `python -m tests.test_pinyin_table`.
"""

from __future__ import annotations

from pathlib import Path

from assistant.answer import normalize

TABLE = Path(__file__).resolve().parents[1] / "assistant" / "resources" / "pinyin.txt"


def pypinyin_table() -> str:
    from pypinyin import Style, lazy_pinyin

    rows = []
    for code in range(normalize.PINYIN_FIRST, normalize.PINYIN_LAST + 1):
        char = chr(code)
        rows.append(f"{lazy_pinyin(char)[0]} {lazy_pinyin(char, style=Style.FINALS)[0]}")
    return "\n".join(rows) + "\n"


def test_the_table_is_pypinyin_for_every_character():
    assert TABLE.read_text(encoding="utf-8") == pypinyin_table()


def test_the_speller_reads_the_same_syllables_as_pypinyin():
    from pypinyin import Style, lazy_pinyin

    chars = [chr(c) for c in range(normalize.PINYIN_FIRST, normalize.PINYIN_LAST + 1, 7)] + list("券劵卷中式试认人定")
    for char in chars:
        assert normalize._char_pinyin(char) == lazy_pinyin(char)[0], char
        assert normalize._final(char) == lazy_pinyin(char, style=Style.FINALS)[0], char
    # outside the table's block the speller asks pypinyin itself
    for char in ("a", "1", "〇", "\U00020000"):
        assert normalize._char_pinyin(char) == lazy_pinyin(char)[0]
        assert normalize._final(char) == lazy_pinyin(char, style=Style.FINALS)[0]


if __name__ == "__main__":
    TABLE.write_text(pypinyin_table(), encoding="utf-8")
    print(f"wrote {TABLE}")
