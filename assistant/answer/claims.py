"""What a yes/no claim says beyond its words: a duty it claims, a requirement it asks about, a figure's lower end,
a yearly figure, two documents called the same. Each reads the claim rows of resources/asks.txt (Lexicon.claims)."""

from __future__ import annotations

import itertools

from assistant.answer.analysis import Ask, Lexicon
from assistant.answer.candidates import Composition
from assistant.answer.lists import enumerations, unshared_items
from assistant.answer.plans import Unshared
from assistant.core.figures import Figure


def duty(ask: Ask, lexicon: Lexicon) -> str:
    """The duty or restriction a claim says the documents set ("是不是规定必须由国企牵头？" → 必须由国企牵头),
    "" when it claims none."""
    claims = lexicon.claims
    found = claims["must"].search(ask.text)
    if found is None or claims["existence"].search(ask.text):
        return ""
    return claims["claim_tail"].sub("", ask.text[found.start() :])


def requirement_unset(ask: Ask, text: str, lexicon: Lexicon) -> bool:
    """ "有没有注册资本要求？" where no quoted sentence sets a requirement."""
    claims = lexicon.claims
    exists = claims["existence"].search(ask.text)
    asked = exists and claims["required"].search(ask.text, exists.end())  # what is asked, not told before it
    return bool(asked) and not claims["obliges"].search(text)


def more_than(ask: Ask, proposed: Figure, lexicon: Lexicon) -> bool:
    """ "三成多", "30%出头": the claim gives a figure's lower end."""
    return bool(lexicon.claims["more"].match(ask.text, proposed.start + len(proposed.text)))


def total_not_each(ask: Ask, text: str, lexicon: Lexicon) -> bool:
    """ "是每年补300万吧？" where the evidence gives the figure as a total (累计…不超过2000万元)."""
    claims = lexicon.claims
    return bool(claims["each"].search(ask.text) and claims["total"].search(text) and not claims["each"].search(text))


def unshared(ask: Ask, composition: Composition, lexicon: Lexicon) -> tuple[Unshared, ...]:
    """Where a claim calls two documents' things the same: the items one's list has that the other's parallel
    list lacks."""
    if not lexicon.claims["same"].search(ask.text):
        return ()
    texts: dict[str, str] = {}
    for c in composition.chosen:
        texts[c.document.title] = texts.get(c.document.title, "") + c.text
    out: list[Unshared] = []
    for one, other in itertools.permutations(texts, 2):
        for mine, theirs in itertools.product(enumerations(texts[one]), enumerations(texts[other])):
            items = unshared_items(mine, theirs)
            if items:
                out.append(Unshared(one, items, other))
    return tuple(dict.fromkeys(out))
