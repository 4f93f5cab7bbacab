"""Import gradio without its type-stub writer: about a second of every `serve` start on this machine.

Each time a gradio component class is created (some 60 of them while `import gradio` runs), gradio's
`ComponentMeta` calls `create_or_modify_pyi`: it reads the class's module source, parses it with `ast`, renders
a Jinja template and reads (or rewrites) the `.pyi` stub beside it in site-packages. The stubs are for type
checkers working on gradio itself; nothing at run time reads them. `install()` puts an import hook in place that
replaces that one function by a no-op as soon as `gradio.component_meta` is loaded, before any component class is
made. Should a gradio release rename or drop the function, the hook changes nothing.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

MODULE = "gradio.component_meta"
WRITER = "create_or_modify_pyi"


def _no_stubs(*args, **kwargs) -> None:
    """In place of gradio's stub writer."""


def _patch(module: ModuleType) -> None:
    if callable(getattr(module, WRITER, None)):
        setattr(module, WRITER, _no_stubs)


class _Hook(importlib.abc.MetaPathFinder):
    """Finds `gradio.component_meta` as the normal path finder does, and patches it once it has run."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None):
        if fullname != MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        loader = spec.loader if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            _patch(module)

        setattr(loader, "exec_module", exec_module)  # noqa: B010 - the loader instance of this one module
        return spec


def install() -> None:
    """Skip gradio's stub writing in this process (idempotent; patches at once if gradio is loaded already)."""
    loaded = sys.modules.get(MODULE)
    if loaded is not None:
        _patch(loaded)
    elif not any(isinstance(finder, _Hook) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Hook())
