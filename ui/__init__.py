"""The Gradio web app."""

from ui.gradio_stubs import install as _skip_gradio_stub_writing

_skip_gradio_stub_writing()  # before any module of the app imports gradio (ui/gradio_stubs.py)
