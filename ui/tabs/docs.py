"""Tab 3 政策文件: indexed documents, their clause trees and texts; admin upload and re-index."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from assistant.core.errors import IngestError, PolicyAssistantError
from assistant.index.build import IngestReport, ingest
from assistant.index.embeddings import make_embedder
from assistant.service import Assistant
from ingest.loaders import SUPPORTED
from ui.errors import page_error
from ui.views.render import DOC_HEADERS, clause_paths, doc_rows, md_text, render_clause, render_tree
from ui.views.uploads import safe_filename, save_upload

STAGES = {"parse": "解析文件", "embed": "向量化并写入索引"}
STATUS = {"new": "新增", "updated": "已更新", "unchanged": "未变化", "removed": "已移除", "failed": "失败"}
ADMIN_REQUIRED = "该操作需要管理员权限，请先在页面顶部“管理员登录”中登录。"
ADMIN_DISABLED = (
    "⚠️ 未配置管理员账号（环境变量 PA_ADMIN_USER / PA_ADMIN_PASSWORD），上传文件、重建索引和答案评审功能已停用。"
)


def require_admin(assistant: Assistant, authed: bool) -> None:
    if not assistant.settings.admin_enabled:
        raise gr.Error(ADMIN_DISABLED)
    if not authed:
        raise gr.Error(ADMIN_REQUIRED)


def report_text(report: IngestReport) -> str:
    """The ingest report as Markdown; titles, file names and reasons are document text, shown as written."""
    changed = "已更新" if report.changed else "无变化"
    lines = [f"索引{changed}（版本 {report.generation or '—'}，用时 {report.seconds:.1f} 秒）："]
    for d in report.docs:
        title = md_text(d.document.citation_title if d.document else Path(d.path).name)
        reason = f"：{md_text(d.reason)}" if d.reason else ""
        lines.append(
            f"- {STATUS.get(d.status, d.status)} · {title}{reason}"
            + (f"（{d.chunks} 个片段）" if d.status in ("new", "updated") else "")
        )
    return "\n".join(lines)


@dataclass
class Browser:
    """The document table and the clause reader."""

    table: gr.Dataframe
    refresh: gr.Button
    doc: gr.Dropdown
    tree: gr.HTML
    clause: gr.Dropdown
    clause_view: gr.Markdown


@dataclass
class Uploader:
    """The admin's upload and re-index controls."""

    upload_file: gr.File
    replace: gr.Checkbox
    upload: gr.Button
    reindex: gr.Button
    ingest_status: gr.Markdown


def build(assistant: Assistant, authed: gr.State):
    """Returns (documents table, document dropdown, loader fn) for the app's page-load event."""
    gr.Markdown("已收录并建立索引的政策文件。选择文件可浏览其条款目录并阅读任意条款原文。")
    browser = _browser_layout()
    uploader = _uploader_layout(assistant)
    documents = _documents(assistant)
    _wire_browser(browser, assistant, documents)
    _wire_uploader(uploader, browser, assistant, authed, documents)
    return browser.table, browser.doc, documents


# ---- layout ------------------------------------------------------------------------------------


def _browser_layout() -> Browser:
    table = gr.Dataframe(headers=DOC_HEADERS, interactive=False, wrap=True, elem_id="pa-docs")
    refresh = gr.Button("刷新文件列表", size="sm")
    with gr.Row():
        with gr.Column(scale=2):
            doc = gr.Dropdown(label="选择文件", choices=[], interactive=True, elem_id="pa-doc-select")
            tree = gr.HTML("", elem_id="pa-tree")
        with gr.Column(scale=3):
            clause = gr.Dropdown(label="选择条款", choices=[], interactive=True, elem_id="pa-clause-select")
            clause_view = gr.Markdown("", elem_id="pa-clause")
    return Browser(table, refresh, doc, tree, clause, clause_view)


def _uploader_layout(assistant: Assistant) -> Uploader:
    settings = assistant.settings
    with gr.Accordion("上传政策文件并重建索引（管理员）", open=False):
        if not settings.admin_enabled:
            gr.Markdown(ADMIN_DISABLED)
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
    return Uploader(upload_file, replace, upload, reindex, ingest_status)


# ---- browsing ----------------------------------------------------------------------------------


def _wire_browser(view: Browser, assistant: Assistant, documents: Callable) -> None:
    view.refresh.click(documents, outputs=[view.table, view.doc], api_name="documents")
    view.doc.change(
        _clause_tree(assistant),
        inputs=[view.doc],
        outputs=[view.tree, view.clause, view.clause_view],
        api_name="clause_tree",
    )
    view.clause.input(
        _clause_reader(assistant), inputs=[view.doc, view.clause], outputs=[view.clause_view], api_name="clause"
    )


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
        sections = [" > ".join(p) or "（正文）" for p in grouped]
        first = next(iter(grouped.items()), None)
        text = render_clause(document, first[0], first[1]) if first else ""
        return (
            render_tree(document, grouped),
            gr.Dropdown(choices=sections, value=sections[0] if sections else None),
            text,
        )

    return clause_tree


def _clause_reader(assistant: Assistant) -> Callable:
    def read_clause(doc_id: str | None, section: str | None):
        snap = assistant.snapshot
        document = snap.documents.get(doc_id or "")
        if document is None or not section:
            return ""
        for path, chunks in clause_paths(snap.chunks, document.doc_id).items():
            if (" > ".join(path) or "（正文）") == section:
                return render_clause(document, path, chunks)
        raise gr.Error("未找到该条款，索引可能已更新，请重新选择文件。")

    return read_clause


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
    embedder = assistant.embedder or make_embedder(
        settings.embedding_model, settings.embedding_batch_size, settings.embedding_device
    )

    def report(stage: str, done: int, total: int) -> None:
        progress((done, total) if total else None, desc=STAGES.get(stage, stage))

    try:
        return ingest(settings, embedder, assistant.tokenizer, progress=report)
    except PolicyAssistantError as exc:
        raise page_error(str(exc)) from exc


def _upload_indexer(assistant: Assistant) -> Callable:
    settings = assistant.settings

    def upload_and_index(path: str | None, replace_existing: bool, ok: bool, progress=gr.Progress()):
        require_admin(assistant, ok)
        if not path:
            raise gr.Error("请先选择要上传的文件。")
        existed = False
        try:
            existed = (settings.corpus_dir / safe_filename(Path(path).name)).exists()
            stored = save_upload(path, Path(path).name, settings, bool(replace_existing))
        except IngestError as exc:
            raise page_error(f"{exc.path}：{exc.reason}") from exc
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
        require_admin(assistant, ok)
        return report_text(run_ingest(assistant, progress))

    return reindex_corpus
