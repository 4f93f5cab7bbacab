"""Tab 3 政策文件: indexed documents (what each holds, validity), clickable clause trees, clause texts and
their original pages; admin upload and re-index."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from assistant.core.records import Chunk
from assistant.index.build import IngestReport, ingest
from assistant.index.embeddings import make_embedder
from assistant.service import Assistant
from ingest.loaders import SUPPORTED
from ui.errors import page_error, user_errors
from ui.tabs import locate as locate_panel
from ui.tabs.access import AdminArea, admin_area, require_admin
from ui.views.documents import DOC_HEADERS, clause_paths, doc_rows, render_clause, render_tree, section_name
from ui.views.messages import chinese_reason
from ui.views.render import md_text
from ui.views.uploads import safe_filename, save_upload

STAGES = {"parse": "解析文件", "embed": "向量化并写入索引"}
STATUS = {"new": "新增", "updated": "已更新", "unchanged": "未变化", "removed": "已移除", "failed": "失败"}
NOT_FOUND = "未找到该条款，索引可能已更新，请重新选择文件。"


def report_text(report: IngestReport) -> str:
    """The ingest report as Markdown; titles, file names and reasons are document text, shown as written."""
    changed = "已更新" if report.changed else "无变化"
    lines = [f"索引{changed}（版本 {report.generation or '—'}，用时 {report.seconds:.1f} 秒）："]
    for d in report.docs:
        title = md_text(d.document.citation_title if d.document else Path(d.path).name)
        reason = f"：{md_text(chinese_reason(d.reason))}" if d.reason else ""
        lines.append(
            f"- {STATUS.get(d.status, d.status)} · {title}{reason}"
            + (f"（{d.chunks} 个片段）" if d.status in ("new", "updated") else "")
        )
    return "\n".join(lines)


@dataclass
class Browser:
    """The document table, the clause tree and reader, and the 原文定位 panel."""

    table: gr.Dataframe
    refresh: gr.Button
    doc: gr.Dropdown
    tree: gr.HTML
    tree_key: gr.HTML
    clause: gr.Dropdown
    clause_view: gr.Markdown
    chunk_id: gr.State
    open_page: gr.Button
    located: locate_panel.LocatePanel


@dataclass
class Uploader:
    """The admin's upload and re-index controls."""

    area: AdminArea
    upload_file: gr.File
    replace: gr.Checkbox
    upload: gr.Button
    reindex: gr.Button
    ingest_status: gr.Markdown


def build(assistant: Assistant, authed: gr.State, workdir: Path):
    """Returns (documents table, document dropdown, loader fn, admin area) for the app's events."""
    gr.Markdown("已收录并建立索引的政策文件。选择文件后点击目录中的条款即可阅读原文，并可查看原文页面上的位置。")
    browser = _browser_layout()
    uploader = _uploader_layout(assistant)
    documents = _documents(assistant)
    _wire_browser(browser, assistant, documents, workdir)
    _wire_uploader(uploader, browser, assistant, authed, documents)
    return browser.table, browser.doc, documents, uploader.area


# ---- layout ------------------------------------------------------------------------------------


def _browser_layout() -> Browser:
    table = gr.Dataframe(headers=DOC_HEADERS, interactive=False, wrap=True, elem_id="pa-docs")
    refresh = gr.Button("刷新文件列表", size="sm")
    tree_key, chunk_id = locate_panel.bridge("tree"), gr.State(None)
    page_key = locate_panel.bridge("locate")
    with gr.Row():
        with gr.Column(scale=2, min_width=280):
            doc = gr.Dropdown(label="选择文件", choices=[], interactive=True, elem_id="pa-doc-select")
            tree = gr.HTML("", elem_id="pa-tree")
        with gr.Column(scale=3, min_width=300):
            clause = gr.Dropdown(
                label="当前条款（可点击左侧目录选择）", choices=[], interactive=True, elem_id="pa-clause-select"
            )
            clause_view = gr.Markdown("", elem_id="pa-clause")
            open_page = gr.Button(
                "查看原文定位（原文页面，本条款高亮）", size="sm", visible=False, elem_id="pa-clause-open"
            )
        located = locate_panel.layout("pa-docs", page_key)
    return Browser(table, refresh, doc, tree, tree_key, clause, clause_view, chunk_id, open_page, located)


def _uploader_layout(assistant: Assistant) -> Uploader:
    settings = assistant.settings
    with gr.Accordion("上传政策文件并重建索引（管理员）", open=False):
        area = admin_area(settings, "上传文件和重建索引")
        with area.controls:
            gr.Markdown(
                f"支持 {'、'.join(SUPPORTED)}，单个文件不超过 {settings.max_file_mb:g} MB。"
                "文件名会被规范化后保存到语料目录。"
            )
            upload_file = gr.File(
                label="政策文件", file_types=list(SUPPORTED), type="filepath", interactive=settings.admin_enabled
            )
            replace = gr.Checkbox(label="替换同名文件", value=False, interactive=settings.admin_enabled)
            with gr.Row():
                upload = gr.Button("上传并重建索引", variant="primary", interactive=settings.admin_enabled)
                reindex = gr.Button("按语料目录重建索引", interactive=settings.admin_enabled)
            ingest_status = gr.Markdown("")
    return Uploader(area, upload_file, replace, upload, reindex, ingest_status)


# ---- browsing ----------------------------------------------------------------------------------


def _wire_browser(view: Browser, assistant: Assistant, documents: Callable, workdir: Path) -> None:
    view.refresh.click(documents, outputs=[view.table, view.doc], api_name="documents")
    view.doc.change(
        _clause_tree(assistant),
        inputs=[view.doc],
        outputs=[view.tree, view.clause, view.clause_view],
        api_name="clause_tree",
    ).then(_first_chunk(assistant), [view.doc], [view.chunk_id, view.open_page], api_visibility="private")
    reader = _clause_reader(assistant)
    view.clause.input(reader, inputs=[view.doc, view.clause], outputs=[view.clause_view], api_name="clause").then(
        _chunk_of(assistant), [view.doc, view.clause], [view.chunk_id, view.open_page], api_visibility="private"
    )
    view.tree_key.submit(
        _tree_picker(assistant),
        inputs=[view.doc, view.tree_key],
        outputs=[view.clause, view.clause_view, view.chunk_id, view.open_page],
        api_visibility="private",
        show_progress="hidden",
    )
    located = view.located
    locate_panel.wire(located, assistant, workdir, api_name=None)
    view.open_page.click(
        locate_panel.shower(assistant, workdir),
        inputs=[view.chunk_id],
        outputs=[located.panel, located.heading, located.image, located.text],
        api_visibility="private",
    ).then(None, js=locate_panel.SHOW_PANEL_JS)


def _documents(assistant: Assistant) -> Callable:
    def documents():
        snap = assistant.snapshot
        choices = [(d.citation_title, d.doc_id) for d in snap.documents.values()]
        return doc_rows(snap.documents, snap.chunks), gr.Dropdown(choices=choices)

    return documents


def _clause_tree(assistant: Assistant) -> Callable:
    def clause_tree(doc_id: str | None):
        snap = assistant.snapshot
        document = snap.documents.get(doc_id or "")
        if document is None:
            return "", gr.Dropdown(choices=[], value=None), ""
        grouped = clause_paths(snap.chunks, document.doc_id)
        sections = [section_name(p) for p in grouped]
        first = next(iter(grouped.items()), None)
        text = render_clause(document, first[0], first[1]) if first else ""
        return (
            render_tree(document, grouped),
            gr.Dropdown(choices=sections, value=sections[0] if sections else None),
            text,
        )

    return clause_tree


def _chunks_of(assistant: Assistant, doc_id: str | None, section: str | None) -> list[Chunk]:
    snap = assistant.snapshot
    if not doc_id or doc_id not in snap.documents:
        return []
    for path, chunks in clause_paths(snap.chunks, doc_id).items():
        if section is None or section_name(path) == section:
            return chunks
    return []


def _first_chunk(assistant: Assistant) -> Callable:
    def first_chunk(doc_id: str | None):
        chunks = _chunks_of(assistant, doc_id, None)
        return (chunks[0].chunk_id if chunks else None), gr.Button(visible=bool(chunks))

    return first_chunk


def _chunk_of(assistant: Assistant) -> Callable:
    def chunk_of(doc_id: str | None, section: str | None):
        chunks = _chunks_of(assistant, doc_id, section) if section else []
        return (chunks[0].chunk_id if chunks else None), gr.Button(visible=bool(chunks))

    return chunk_of


def _clause_reader(assistant: Assistant) -> Callable:
    def read_clause(doc_id: str | None, section: str | None):
        snap = assistant.snapshot
        document = snap.documents.get(doc_id or "")
        if document is None or not section:
            return ""
        for path, chunks in clause_paths(snap.chunks, document.doc_id).items():
            if section_name(path) == section:
                return render_clause(document, path, chunks)
        return NOT_FOUND

    return read_clause


def _tree_picker(assistant: Assistant) -> Callable:
    """A click on a clause of the tree (its position) → the clause, selected in the dropdown too."""

    def pick_clause(doc_id: str | None, key: str | None):
        snap = assistant.snapshot
        document = snap.documents.get(doc_id or "")
        grouped = list(clause_paths(snap.chunks, document.doc_id).items()) if document else []
        try:
            path, chunks = grouped[int(str(key or "").split("|", 1)[0])]
        except (ValueError, IndexError):
            return gr.skip(), NOT_FOUND, None, gr.Button(visible=False)
        text = render_clause(document, path, chunks) if document else NOT_FOUND
        return gr.Dropdown(value=section_name(path)), text, chunks[0].chunk_id, gr.Button(visible=True)

    return pick_clause


# ---- upload and re-index -----------------------------------------------------------------------


def _wire_uploader(
    view: Uploader, browser: Browser, assistant: Assistant, authed: gr.State, documents: Callable
) -> None:
    view.upload.click(
        _upload_indexer(assistant),
        inputs=[view.upload_file, view.replace, authed],
        outputs=[view.ingest_status],
        api_name="upload",
        concurrency_limit=1,
        concurrency_id="ingest",
    ).then(documents, outputs=[browser.table, browser.doc], api_name="documents_after_upload", api_visibility="private")
    view.reindex.click(
        _corpus_indexer(assistant),
        inputs=[authed],
        outputs=[view.ingest_status],
        api_name="reindex",
        concurrency_limit=1,
        concurrency_id="ingest",
    ).then(
        documents, outputs=[browser.table, browser.doc], api_name="documents_after_reindex", api_visibility="private"
    )


def run_ingest(assistant: Assistant, progress: gr.Progress) -> IngestReport:
    """Bring the index in line with the corpus folder, reporting progress to the page."""
    settings = assistant.settings
    embedder = assistant.embedder or make_embedder(settings)

    def report(stage: str, done: int, total: int) -> None:
        progress((done, total) if total else None, desc=STAGES.get(stage, stage))

    with user_errors(action="ingest"):
        return ingest(settings, embedder, assistant.tokenizer, progress=report)


def _upload_indexer(assistant: Assistant) -> Callable:
    settings = assistant.settings

    def upload_and_index(path: str | None, replace_existing: bool, ok: bool, progress=gr.Progress()):
        require_admin(assistant, ok, "upload")
        if not path:
            raise page_error("请先选择要上传的文件。", "upload")
        existed = False
        with user_errors(action="upload"):
            existed = (settings.corpus_dir / safe_filename(Path(path).name)).exists()
            stored = save_upload(path, Path(path).name, settings, bool(replace_existing))
        result = run_ingest(assistant, progress)
        mine = next((d for d in result.docs if Path(d.path).name == stored.name), None)
        note = ""
        if mine is not None and mine.status == "failed" and not existed:
            stored.unlink(missing_ok=True)
            note = "\n\n该文件未能解析，已从语料目录中删除。"
        return f"已保存为 `{stored.name}`。\n\n{report_text(result)}{note}"

    return upload_and_index


def _corpus_indexer(assistant: Assistant) -> Callable:
    def reindex_corpus(ok: bool, progress=gr.Progress()):
        require_admin(assistant, ok, "reindex")
        return report_text(run_ingest(assistant, progress))

    return reindex_corpus
