"""Chinese administrative divisions from the gazetteer the `cpca` package ships (its adcodes.csv), read as a
file: importing cpca itself needs pkg_resources, which current setuptools no longer provides.

A division's adcode says what contains it: 苏州市 (3205…) lies in 江苏省 (32…), 浦东新区 (310115…) in 上海市 (31…).
"""

from __future__ import annotations

import csv
import importlib.util
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SUFFIXES = (
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "自治州",
    "新区",
    "省",
    "市",
    "区",
    "县",
)
LEVEL_DIGITS = {0: 2, 1: 4, 2: 6}  # province, city, county: the adcode digits that identify each
MIN_CORE = 2
COUNTY = 2


@dataclass(frozen=True)
class Division:
    name: str  # 苏州市
    adcode: str  # 12 digits
    level: int  # 0 province-level, 1 city, 2 county/district

    def contains(self, other: Division) -> bool:
        digits = LEVEL_DIGITS[self.level]
        return other.adcode[:digits] == self.adcode[:digits] and other.level >= self.level


def core(name: str) -> str:
    """ "苏州市" → "苏州", "浦东新区" → "浦东"; a name that would become too short stays whole."""
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= MIN_CORE:
            return name[: -len(suffix)]
    return name


def _level(adcode: str) -> int:
    if adcode[2:] == "0" * 10:
        return 0
    return 1 if adcode[4:] == "0" * 8 else 2


def _gazetteer_file() -> Path:
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the cpca package (its adcodes.csv gazetteer) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


class Gazetteer:
    def __init__(self, rows: list[tuple[str, str]]):
        self.by_name: dict[str, Division] = {}
        for adcode, name in rows:
            division = Division(name, adcode, _level(adcode))
            # a district's short name is often a word ("新建", "资源", "合作"): districts match by full name only
            for key in {name, core(name)} if division.level < COUNTY else {name}:
                known = self.by_name.get(key)
                if known is None or division.level < known.level:  # 吉林 the province before 吉林市
                    self.by_name[key] = division
        self.longest = max((len(k) for k in self.by_name), default=0)

    @classmethod
    def from_rows(cls, rows: list[tuple[str, str]]) -> Gazetteer:
        return cls(rows)

    def lookup(self, name: str) -> Division | None:
        return self.by_name.get(name) or self.by_name.get(core(name))

    def province(self, division: Division) -> Division:
        code = division.adcode[:2] + "0" * 10
        return next((d for d in self.by_name.values() if d.adcode == code), division)

    def inside(self, division: Division) -> list[Division]:
        """The divisions that lie inside `division`."""
        return [d for d in set(self.by_name.values()) if d.level > division.level and division.contains(d)]

    def mentioned(self, text: str, is_bounded) -> list[Division]:
        """Divisions named in `text` as whole words (`is_bounded(text, name)`), longest names first."""
        found: dict[str, Division] = {}
        for match in re.finditer(r"[\u4e00-\u9fff]{2,}", text):
            run = match.group(0)
            for size in range(min(self.longest, len(run)), MIN_CORE - 1, -1):
                for start in range(len(run) - size + 1):
                    piece = run[start : start + size]
                    division = self.by_name.get(piece)
                    if division and division.adcode not in found and is_bounded(text, piece):
                        found[division.adcode] = division
        return list(found.values())


@cache
def gazetteer() -> Gazetteer:
    with open(_gazetteer_file(), encoding="utf-8") as fh:
        return Gazetteer([(row["adcode"], row["name"]) for row in csv.DictReader(fh)])
