"""Logged answers for the review tab → table rows and escaped Markdown (no gradio import).

Times are stored in UTC (naive) and shown in the configured time zone (Settings.timezone).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ui.views.render import md_text, source_block

RATING_LABELS = {"correct": "正确", "partial": "部分正确", "wrong": "错误", "citation-wrong": "引用错误"}
SCOPE_LABELS = {None: "全部", "national": "国家", "shanghai": "上海"}
CHANNEL_LABELS = {"chat": "网页对话", "api": "HTTP API"}
TZ_NAMES = {"Asia/Shanghai": "北京时间"}
SUMMARY_CHARS = 60
HISTORY_CHARS = 300


def local_time(stored: datetime, tz: str) -> datetime:
    """A stored UTC time (naive or aware) in the time zone `tz`."""
    aware = stored if stored.tzinfo else stored.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(tz))


def tz_label(tz: str) -> str:
    return TZ_NAMES.get(tz, tz)


def review_headers(tz: str) -> list[str]:
    return ["编号", f"时间（{tz_label(tz)}）", "问题", "答案摘要", "拒答", "范围", "评审"]


def review_rows(records: list[dict], tz: str) -> list[list]:
    """One row per record, full question (the table truncates it on screen), a short answer summary."""
    rows = []
    for r in records:
        summary = r["answer"].replace("\n", " ")
        rows.append(
            [
                r["id"],
                f"{local_time(r['created_at'], tz):%m-%d %H:%M}",
                r["question"],
                summary[:SUMMARY_CHARS] + ("…" if len(summary) > SUMMARY_CHARS else ""),
                "是" if r["refused"] else "",
                SCOPE_LABELS.get(r["settings"].get("jurisdiction"), "—"),
                RATING_LABELS.get(r["rating"], "未评审") if r["rating"] else "未评审",
            ]
        )
    return rows


def render_history(turns: list[dict]) -> list[str]:
    """The earlier turns of the record's chat session, oldest first, long answers shortened."""
    if not turns:
        return []
    lines = ["**此前的对话（同一会话）：**", ""]
    for turn in turns:
        text = turn["content"].replace("\n", " ")
        if turn["role"] == "user":
            lines.append(f"> **问：** {md_text(text)}")
        else:
            short = text[:HISTORY_CHARS] + ("…" if len(text) > HISTORY_CHARS else "")
            lines.append(f"> **答：** {md_text(short)}")
        lines.append(">")
    lines[-1] = ""
    return lines


def render_record(row: dict, feedback: list[dict], history: list[dict] | None = None, tz: str = "UTC") -> str:
    settings = row["settings"]
    lines = [f"#### 记录 #{row['id']} · {local_time(row['created_at'], tz):%Y-%m-%d %H:%M} {tz_label(tz)}", ""]
    lines += render_history(history or [])
    lines.append(f"**问题：** {md_text(row['question'])}")
    resolved = settings.get("resolved_question")
    if resolved:
        lines.append(f"**结合上文理解为：** {md_text(resolved)}")
    lines += ["", f"**答案{'（未覆盖，已拒答）' if row['refused'] else ''}：** {md_text(row['answer'])}", ""]
    for c in row["citations"]:
        lines.append(
            source_block(
                c.get("marker", 0),
                None,
                c.get("doc_number"),
                c.get("doc_title", ""),
                c.get("section", ""),
                [c["page"]] if c.get("page") else [],
                c.get("text", ""),
            )
        )
    answerer = "大模型（已核验）" if settings.get("mode") == "llm" else "条款原文摘录"
    lines += [
        "",
        f"检索方式：{md_text(str(settings.get('retriever', '—')))} · 回答方式：{answerer} · 范围："
        f"{SCOPE_LABELS.get(settings.get('jurisdiction'), md_text(str(settings.get('jurisdiction'))))}"
        f" · 渠道：{CHANNEL_LABELS.get(row.get('channel', 'chat'), '—')}",
    ]
    if row["rating"]:
        lines.append(f"当前评审：**{RATING_LABELS.get(row['rating'], row['rating'])}** {md_text(row['note'] or '')}")
    for f in feedback:
        lines.append(f"用户反馈：{'有帮助' if f['thumb'] == 'up' else '没帮助'} {md_text(f['comment'])}")
    return "\n".join(lines)


def render_accuracy(stats: dict) -> str:
    if not stats["rated"]:
        return f"共记录 {stats['total']} 条问答，尚无评审。"
    counts = stats["counts"]
    detail = "，".join(f"{RATING_LABELS[k]} {v}" for k, v in counts.items())
    return (
        f"共记录 {stats['total']} 条问答，已评审 {stats['rated']} 条（{detail}）。  \n"
        f"**评审准确率 {stats['accuracy']:.1%}**（正确 / 已评审）；"
        f"计部分正确为半对时 {stats['lenient_accuracy']:.1%}。"
    )
