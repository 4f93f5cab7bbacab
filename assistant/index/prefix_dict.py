"""jieba's prefix dictionary read on demand, one first character at a time.

A jieba tokenizer starts by loading its whole prefix dictionary (about 500,000 words and word prefixes with
their frequencies) into a dict: about 0.4 s of a cold CLI answer, and some 80 MB of a server's memory. Every
lookup jieba makes while cutting a text is a piece of that text (`get_DAG`, `calc`, the 2- and 3-grams of
`cut_for_search`), so it only ever needs the entries that start with a character of the text.

`PrefixFile` holds the finished dictionary (jieba's own plus the domain words added to it) grouped by first
character: a small index read at start, each group read on first need. `LazyTokenizer` is a `jieba.Tokenizer`
that loads the groups of a text's characters before cutting it, so it makes exactly the lookups an eagerly
loaded tokenizer makes and finds the same values: the same words, the same total, the same cuts.

The file is built once per dictionary (keyed by jieba's version and dictionary file and the words added) under
the temporary directory, next to jieba's own cache, and replaced atomically, so concurrent processes share it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import marshal
import os
import struct
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

import jieba

log = logging.getLogger(__name__)
FORMAT = 1  # bump when the file layout changes
MAGIC = b"PAJIEBA1"
_HEADER = struct.Struct("<8sQ")  # MAGIC, then the length of the marshalled (total, index) that follows


class PrefixFile:
    """A prefix dictionary on disk: `total` and, per first character, the marshalled dict of its entries."""

    def __init__(self, path: Path):
        self.path = path
        with open(path, "rb") as handle:
            magic, size = _HEADER.unpack(handle.read(_HEADER.size))
            if magic != MAGIC or size > os.fstat(handle.fileno()).st_size:
                raise ValueError(f"{path} is not a prefix dictionary")
            self.total, self._index = marshal.loads(handle.read(size))
        self._base = _HEADER.size + size

    def group(self, char: str) -> dict[str, int] | None:
        """Every entry that starts with `char` (None when there is none)."""
        where = self._index.get(char)
        if where is None:
            return None
        offset, size = where
        with open(self.path, "rb") as handle:
            handle.seek(self._base + offset)
            return marshal.loads(handle.read(size))

    @staticmethod
    def write(path: Path, freq: dict[str, int], total: int) -> None:
        """Write atomically: a reader sees the old file or the new one, never a part."""
        groups: dict[str, dict[str, int]] = {}
        for word, count in freq.items():
            groups.setdefault(word[0], {})[word] = count
        blob, index = bytearray(), {}
        for char, entries in groups.items():
            data = marshal.dumps(entries)
            index[char] = (len(blob), len(data))
            blob += data
        head = marshal.dumps((total, index))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(_HEADER.pack(MAGIC, len(head)))
                out.write(head)
                out.write(blob)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class LazyTokenizer(jieba.Tokenizer):
    """A jieba tokenizer over a `PrefixFile`: the entries of a character are loaded before a text holding it
    is cut. Thread-safe like jieba's own (a group is complete in FREQ before its character counts as loaded)."""

    def __init__(self, prefix: PrefixFile):
        super().__init__()
        self.FREQ: dict[str, int] = {}
        self.total = prefix.total
        self.initialized = True
        self._prefix = prefix
        self._loaded: set[str] = set()
        self._loading = threading.Lock()

    def load(self, text: str) -> None:
        """Make sure every entry starting with a character of `text` is in FREQ."""
        missing = set(text) - self._loaded
        if not missing:
            return
        with self._loading:
            for char in missing - self._loaded:
                group = self._prefix.group(char)
                if group:
                    self.FREQ.update(group)
                self._loaded.add(char)

    def freq(self, word: str) -> int:
        """The dictionary frequency of `word` (0: unknown, or only a prefix of known words)."""
        self.load(word[:1])
        return self.FREQ.get(word, 0)

    def get_DAG(self, sentence):  # noqa: N802 - jieba's name
        if isinstance(sentence, str):
            self.load(sentence)
        return super().get_DAG(sentence)

    def cut(self, sentence, *args, **kwargs):
        if isinstance(sentence, str):
            self.load(sentence)
        return super().cut(sentence, *args, **kwargs)

    def add_word(self, word, freq=None, tag=None):
        self.load(str(word))
        super().add_word(word, freq, tag)

    def suggest_freq(self, segment, tune=False):
        self.load(segment if isinstance(segment, str) else "".join(segment))
        return super().suggest_freq(segment, tune)


def frequency(tokenizer: jieba.Tokenizer, word: str) -> int:
    """The dictionary frequency of `word` in a lazy or an eagerly loaded tokenizer."""
    if isinstance(tokenizer, LazyTokenizer):
        return tokenizer.freq(word)
    return tokenizer.FREQ.get(word, 0)


def eager_tokenizer(words: Iterable[tuple[str, int]]) -> jieba.Tokenizer:
    """jieba's default dictionary loaded whole, then each word added unless the dictionary already gives it at
    least that frequency (never lower what the main dictionary knows)."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word, freq in words:
        if tokenizer.FREQ.get(word, 0) < freq:
            tokenizer.add_word(word, freq)
    return tokenizer


def _key(words: list[tuple[str, int]]) -> str:
    main = Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME)
    stat = main.stat()
    parts = [FORMAT, jieba.__version__, str(main), stat.st_size, stat.st_mtime_ns, words]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()[:20]


def default_cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / "policy-assistant"


def tokenizer(words: Iterable[tuple[str, int]], cache_dir: Path | None = None) -> jieba.Tokenizer:
    """A tokenizer with jieba's default dictionary plus `words` (as `eager_tokenizer`), read on demand from its
    prefix file (built on first use). Where no file can be written, the eagerly loaded tokenizer."""
    words = list(words)
    path = (cache_dir or default_cache_dir()) / f"jieba-{_key(words)}.prefix"
    try:
        return LazyTokenizer(PrefixFile(path))
    except (OSError, ValueError, EOFError, TypeError, struct.error):
        pass  # missing or damaged: (re)built below
    eager = eager_tokenizer(words)
    try:
        PrefixFile.write(path, eager.FREQ, eager.total)
        return LazyTokenizer(PrefixFile(path))
    except (OSError, ValueError, EOFError, TypeError, struct.error) as exc:
        log.warning("cannot write the prefix dictionary %s (%s): loading it whole", path, exc)
        return eager
