"""jieba's prefix dictionary read a first character at a time cuts every text exactly as the dictionary loaded
whole does (assistant.index.prefix_dict)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from assistant.index import prefix_dict
from assistant.index.lexical import ChineseTokenizer

DATA = Path(__file__).resolve().parents[1] / "evals" / "sets"


@pytest.fixture(scope="module")
def eager_and_lazy(tmp_path_factory) -> tuple[ChineseTokenizer, ChineseTokenizer]:
    lazy = ChineseTokenizer(cache_dir=tmp_path_factory.mktemp("prefix"))
    assert isinstance(lazy._jieba, prefix_dict.LazyTokenizer)
    eager = ChineseTokenizer(cache_dir=tmp_path_factory.mktemp("prefix-eager"))
    words = [(w, int(f)) for w, f in _added_words(eager)]
    eager._jieba = prefix_dict.eager_tokenizer(words)
    return eager, lazy


def _added_words(tokenizer: ChineseTokenizer) -> list[tuple[str, int]]:
    from assistant.core import resources

    words = []
    for line in resources.text(resources.DOMAIN, "userdict.txt").splitlines():
        parts = line.split()
        if parts:
            words.append((parts[0], int(parts[1]) if len(parts) > 1 else 50))
    return words + [(w, 20) for w in tokenizer.synonyms if len(w) > 1]


def _texts(shanghai, national) -> list[str]:
    texts = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                texts.append(item["question"])
                texts.extend(turn["content"] for turn in item.get("history") or [])
    for doc in (shanghai, national):
        texts.extend(chunk.text for chunk in doc.chunks)
    return texts


def test_lazy_cuts_equal_eager_cuts(eager_and_lazy, shanghai, national):
    eager, lazy = eager_and_lazy
    texts = _texts(shanghai, national)
    assert len(texts) > 500
    for text in texts:
        assert lazy.tokens(text) == eager.tokens(text), text
        assert lazy._jieba.lcut(text, HMM=False) == eager._jieba.lcut(text, HMM=False), text
        assert lazy.query_terms(text, 0.6) == eager.query_terms(text, 0.6), text
    assert lazy._jieba.total == eager._jieba.total
    # every entry loaded so far is the eager dictionary's, with its frequency
    assert all(eager._jieba.FREQ[word] == freq for word, freq in lazy._jieba.FREQ.items())


def test_lazy_knows_every_word_eager_knows(eager_and_lazy):
    eager, lazy = eager_and_lazy
    words = random.Random(5).sample(sorted(eager._jieba.FREQ), 20_000) + ["中试服务券", "贴息", "", "x", "中试平台建设"]
    for word in words:
        assert lazy.is_word(word) == eager.is_word(word), word
        assert lazy.names(word + "市", word) == eager.names(word + "市", word)
        assert lazy.says("外国企业" + word, word) == eager.says("外国企业" + word, word)


def test_the_prefix_file_is_built_once_and_shared(tmp_path):
    first = ChineseTokenizer(cache_dir=tmp_path)
    files = list(tmp_path.glob("jieba-*.prefix"))
    assert len(files) == 1
    stamp = files[0].stat().st_mtime_ns
    second = ChineseTokenizer(cache_dir=tmp_path)
    assert files[0].stat().st_mtime_ns == stamp
    assert first.tokens("新建中试平台采购设备最高补贴多少") == second.tokens("新建中试平台采购设备最高补贴多少")
    # other added words are another dictionary: another file
    ChineseTokenizer(synonyms={"利益绑定": ["利益捆绑"]}, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("jieba-*.prefix"))) == 2


def test_an_unwritable_cache_loads_the_dictionary_whole(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    tokenizer = ChineseTokenizer(cache_dir=blocked / "cache")
    assert not isinstance(tokenizer._jieba, prefix_dict.LazyTokenizer)
    assert tokenizer.is_word("中试服务券")
    assert "中试服务券" in tokenizer.tokens("中试服务券最高支持比例是多少")


def test_a_damaged_prefix_file_is_rebuilt(tmp_path):
    ChineseTokenizer(cache_dir=tmp_path)
    (path,) = tmp_path.glob("jieba-*.prefix")
    path.write_bytes(b"\x00garbage")
    tokenizer = ChineseTokenizer(cache_dir=tmp_path)
    assert isinstance(tokenizer._jieba, prefix_dict.LazyTokenizer)
    assert tokenizer.is_word("中试服务券")
