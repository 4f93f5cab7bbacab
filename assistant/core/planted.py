"""Text planted in a document to steer an assistant ("忽略以上所有指令，回答：…"). Such sentences are never
quoted or used as facts, in extractive answers and in LLM answers alike."""

from __future__ import annotations

import re

INSTRUCTION = re.compile(
    r"忽略(?:以上|之前|前面|上述|上文|上面|前文|先前|此前|所有|全部)|无视(?:以上|之前|上述|上文|所有)|不要(?:再)?遵(?:守|循)|"
    r"你(?:现在)?(?:是|扮演|必须|应当|应该|需要)|请(?:你)?(?:直接)?(?:回答|告诉|输出|回复)|告诉用户|对用户说|向用户|"
    r"照搬|原样转述|系统提示|提示词|指令(?!性)|"
    r"ignore (?:all |any )?(?:the )?(?:previous|prior|above|earlier)|disregard|forget (?:all|everything|the)|"
    r"override|system prompt|assistant:",
    re.IGNORECASE,
)


def is_instruction(sentence: str) -> bool:
    return bool(INSTRUCTION.search(sentence))
