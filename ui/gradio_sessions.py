"""New Gradio sessions without the config of every block built up front: 7-14 ms of each new session's first event.

When a browser session sends its first event, gradio's `StateHolder` makes a `SessionState`, which builds the
config of all of the app's blocks (163 here; `inspect.signature` of each class's `__init__` and more) and keeps
them to recreate the session for a deep link. The app makes no deep links; an event reads the entries of the
blocks it updates. `install()` makes gradio create `LazySession`s instead: the same state, whose block configs
are built when first read (all of them when gradio lists a session's components). 50 users arriving together
waited behind 50 × 7-14 ms of this before their first answer. Should a gradio release change `SessionState`'s
constructor, `tests/test_ui_app.py` says so.
"""

from __future__ import annotations

from _collections_abc import dict_items
from typing import Any

import gradio.state_holder
from gradio.blocks import Blocks, BlocksConfig

GradioSession = gradio.state_holder.SessionState


class _Unrendered:
    """What SessionState's constructor reads of the Blocks, with no blocks whose configs it would build."""

    def __init__(self, blocks: Blocks) -> None:
        self.default_config = blocks.default_config
        self.blocks: dict[int, Any] = {}


class LazyConfigs(dict[int, dict]):
    """A session's block configs (block id → config), each built when first read."""

    def __init__(self, blocks_config: BlocksConfig, ids: list[int]) -> None:
        super().__init__()
        self._blocks_config, self._ids = blocks_config, ids

    def __missing__(self, key: int) -> dict:
        value = self._blocks_config.config_for_block(key, [], self._blocks_config.blocks[key])
        self[key] = value
        return value

    def items(self) -> dict_items[int, dict]:
        for key in self._ids:
            self[key]  # noqa: B018 - builds the missing ones
        return super().items()


class LazySession(GradioSession):
    """gradio's SessionState, its block configs built on demand."""

    def __init__(self, blocks: Blocks) -> None:
        super().__init__(_Unrendered(blocks))  # type: ignore[arg-type]
        ids = [k for k in self.blocks_config.blocks if k in blocks.blocks]
        self.config_values = LazyConfigs(self.blocks_config, ids)


def install() -> None:
    """New sessions of every app in this process are `LazySession`s (idempotent)."""
    gradio.state_holder.SessionState = LazySession  # type: ignore[misc]
