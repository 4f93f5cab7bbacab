"""Chinese lexical retrieval: jieba with a domain dictionary, synonym expansion and BM25."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.core import resources
from assistant.core.records import TermOrigin

log = logging.getLogger(__name__)

STOPWORDS = set(
    "的 了 和 与 及 等 是 在 对 为 把 被 将 由 从 以 于 并 或 也 都 就 还 又 而 其 之 这 那 这个 那个 哪个 哪些 什么 "
    "怎么 怎样 如何 多少 吗 呢 吧 啊 呀 嘛 么 我 我们 你 你们 他 她 它 他们 公司 企业 请问 一下 能 可以 可不可以 "
    "会 要 想 有 没有 哪 哪里 个 些 给 让 请 问 一个 如果 的话 需要 是否 有没有 多 几 家 该 能否 应该 "
    "它们 一共 总共 合计 总计 没错 时候 出 "
    "那份 这份 该份 两份 分别 各自 两者 二者 规定 文件 政策 里 中 上 下 说 讲 搞 弄 整 拿 一起 咱们 我司 本公司 "
    "具体 那块 这块 方面 东西 有啥 啥 吗？ "
    # chat filler: how people talk, never what a clause says
    "另外 此外 好的 好 然后 顺便 "
    "到底 究竟 一句 一句话 话 清楚 说清楚 啥事 干啥 干嘛 咋 咋样 怎么样 样子 这些 那些 这种 那种 这样 那样 就是 "
    "还是 或者 不了 出来 起来 说法 讲法 老板 领导 厂 团队 小 做 干 跟 同 不 没 没法 自己 别人 这边 那边 篇 "
    "哪几 哪几个 几个 关于 份文件 真的假的 真的假 听人说 听 后头 几月 几号 几日 几点 各个 不能 听说 真的 "
    "是不是 对不对 行不行 能不能 有没有 不会 到时候 目前 现在 然后".split()
)
_TOKEN_OK = re.compile(r"[\u4e00-\u9fffA-Za-z0-9%.]")
K1, B = 1.5, 0.75
# texts whose tokens are kept (a few MB): an answer cuts its question, the history, candidate sentences and
# synonyms, most of them more than once (14 cuts of 8 texts an answer on evals/sets/dataset.jsonl; 81% of the cuts
# of a first pass over blind2.jsonl were cut before)
TOKEN_CACHE = 2048


def _fingerprint(*parts) -> str:
    """Changes whenever the same text would be cut into other tokens: the index must be re-tokenized."""
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def load_compounds() -> list[tuple[str, tuple[str, ...]]]:
    """ "贴息 = 利息 + 补贴": a query naming every part asks for the target word."""
    rows = []
    for line in resources.lines(resources.DOMAIN, "compounds.txt"):
        target, parts = line.split("=")
        rows.append((target.strip(), tuple(p.strip() for p in parts.split("+"))))
    return rows


def load_synonyms(text: str | None = None) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for line in (text if text is not None else resources.text(resources.DOMAIN, "synonyms.txt")).splitlines():
        words = line.split("#", 1)[0].split()
        for word in words:
            groups.setdefault(word, [])
            groups[word].extend(w for w in words if w != word and w not in groups[word])
    return groups


class ChineseTokenizer:
    """A private jieba instance with the domain dictionary; no global state is touched."""

    def __init__(self, synonyms: dict[str, list[str]] | None = None, cache_dir: Path | None = None):
        """`cache_dir`: where the prefix dictionary is kept (assistant.index.prefix_dict; default: a directory
        under the system's temporary directory)."""
        import jieba

        from assistant.index import prefix_dict

        jieba.setLogLevel(logging.WARNING)
        self.domain: set[str] = set()  # the policy vocabulary of the domain dictionary
        self.subjects: set[str] = set()  # its nouns: what a question can be about (中试服务券, 贴息)
        words: list[tuple[str, int]] = []  # added to jieba's dictionary in this order
        for line in resources.text(resources.DOMAIN, "userdict.txt").splitlines():
            parts = line.split()
            if parts:
                words.append((parts[0], int(parts[1]) if len(parts) > 1 else 50))
                self.domain.add(parts[0].lower())
                if len(parts) > 2 and parts[2].startswith("n"):
                    self.subjects.add(parts[0].lower())
        self.synonyms = load_synonyms() if synonyms is None else synonyms
        self.compounds = load_compounds()
        singles = resources.text(resources.DOMAIN, "single_words.txt").splitlines()
        self.single_words = STOPWORDS | {w for line in singles if not line.startswith("#") for w in line.split()}
        self.fingerprint = _fingerprint(
            jieba.__version__,
            sorted(STOPWORDS),
            resources.text(resources.DOMAIN, "userdict.txt"),
            sorted(self.synonyms.items()),
        )
        words.extend((word, 20) for word in self.synonyms if len(word) > 1)
        # jieba's dictionary with these words, read a first character at a time (same cuts, no 0.4 s load)
        self._jieba = prefix_dict.tokenizer(words, cache_dir)
        self._frequency = prefix_dict.frequency
        self._cut = functools.lru_cache(maxsize=TOKEN_CACHE)(self._cut_text)

    def _bounds(self, text: str) -> set[int]:
        """The offsets at which jieba's words of `text` start and end."""
        bounds, at = {0}, 0
        for token in self._jieba.lcut(text, HMM=False):
            at += len(token)
            bounds.add(at)
        return bounds

    def names(self, text: str, place: str) -> bool:
        """Whether `text` names `place`: a word of its own or followed by 市/省/区/县 ("北京市"), not the head
        of a longer word ("中山大学", "大同小异", "南京路")."""
        if place not in text:
            return False
        bounds = self._bounds(text)
        return any(
            m.start() in bounds and (m.end() in bounds or text[m.end() : m.end() + 1] in ("市", "省", "区", "县"))
            for m in re.finditer(re.escape(place), text)
        )

    def says(self, text: str, word: str) -> bool:
        """Whether `word` occurs in `text` other than as the tail of one word and the head of the next:
        "国企" is not said by "外国企业" (外国|企业), "海南" not by "上海南部" (上海|南部); "税" is said by
        "所得税", "外资" by "外资企业", "满足哪些条件" by 满足|哪些|条件."""
        if word not in text:
            return False
        bounds = self._bounds(text)
        return any(
            m.start() in bounds or m.end() in bounds or not any(m.start() < b < m.end() for b in bounds)
            for m in re.finditer(re.escape(word), text)
        )

    def is_word(self, text: str) -> bool:
        """Whether the dictionary knows `text` as a word."""
        return self._frequency(self._jieba, text) > 0

    def tokens(self, text: str) -> list[str]:
        """jieba's search cuts of `text`, lower-cased, without stopwords and punctuation."""
        return list(self._cut(text))

    def unknown_words(self, text: str) -> list[str]:
        """Runs of two to four characters the dictionary cuts one by one, none a word of its own (a stopword,
        resources/single_words.txt): words it lacks ("安评" cut as 安 / 评)."""
        runs, run = [], ""
        for token in [*self._jieba.lcut(text.lower(), HMM=False), ""]:
            if len(token) == 1 and "\u4e00" <= token <= "\u9fff" and token not in self.single_words:
                run += token
                continue
            if 2 <= len(run) <= 4:
                runs.append(run)
            run = ""
        return runs

    def _cut_text(self, text: str) -> tuple[str, ...]:
        cuts = self._jieba.lcut_for_search(text.lower(), HMM=False)
        return tuple(t for t in cuts if _TOKEN_OK.search(t) and t not in STOPWORDS)

    def query_origins(self, text: str) -> dict[str, TermOrigin]:
        """Query tokens (own words) and their synonyms."""
        origins = {token: TermOrigin.OWN for token in self.tokens(text)}
        for target, parts in self.compounds:
            if all(origins.get(part) is TermOrigin.OWN for part in parts):
                origins[target] = TermOrigin.OWN
        for token in list(origins):
            for alt in self.synonyms.get(token, ()):
                for sub in self.tokens(alt) or [alt]:
                    if len(sub) > 1 or sub == alt:
                        origins.setdefault(sub, TermOrigin.SYNONYM)
        return origins

    def query_terms(self, text: str, synonym_weight: float) -> dict[str, float]:
        """Query tokens with weight 1 and their synonyms with `synonym_weight`."""
        return {t: 1.0 if o is TermOrigin.OWN else synonym_weight for t, o in self.query_origins(text).items()}


class BM25Index:
    """Okapi BM25 over an inverted index of numpy postings: fast up to hundreds of thousands of chunks."""

    def __init__(self, docs_tokens: Sequence[Sequence[str]]):
        self.size = len(docs_tokens)
        lengths = np.array([len(t) for t in docs_tokens], dtype=np.float32)
        avg = float(lengths.mean()) if self.size else 1.0
        norm = K1 * (1 - B + B * lengths / max(avg, 1e-9))
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for idx, toks in enumerate(docs_tokens):
            for term, tf in Counter(toks).items():
                postings[term].append((idx, tf))
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._idf: dict[str, float] = {}
        for term, items in postings.items():
            ids = np.fromiter((i for i, _ in items), dtype=np.int32, count=len(items))
            tfs = np.fromiter((tf for _, tf in items), dtype=np.float32, count=len(items))
            self._postings[term] = (ids, tfs * (K1 + 1) / (tfs + norm[ids]))
            df = len(items)
            self._idf[term] = math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def scores(
        self, terms: dict[str, float], mask: np.ndarray | None = None, boosts: dict[int, float] | None = None
    ) -> np.ndarray:
        """BM25 scores; `boosts` adds a share of the best score to some chunks (quoted headings...)."""
        scores = np.zeros(self.size, dtype=np.float32)
        for term, weight in terms.items():
            posting = self._postings.get(term)
            if posting is not None:
                ids, w = posting
                scores[ids] += weight * self._idf[term] * w
        if boosts:
            top = float(scores.max()) or 1.0
            for idx, share in boosts.items():
                scores[idx] += share * top
        if mask is not None:
            scores[~mask] = 0.0
        return scores

    def top(
        self, terms: dict[str, float], k: int, mask: np.ndarray | None = None, boosts: dict[int, float] | None = None
    ) -> list[tuple[int, float]]:
        scores = self.scores(terms, mask, boosts)
        k = min(k, self.size)
        if k <= 0:
            return []
        idx = np.argpartition(-scores, k - 1)[:k]
        idx = idx[np.argsort(-scores[idx], kind="stable")]
        return [(int(i), float(scores[i])) for i in idx if scores[i] > 0]

    def idf(self, term: str) -> float:
        return self._idf.get(term, 0.0)


def index_text(section: str, text: str, place: str) -> str:
    """What the retrievers see for a chunk: where it sits, then its words."""
    return f"{place} {section}\n{text}"
