"""The API's description page: a self-contained HTML rendering of its OpenAPI schema (no CDN assets,
so it works offline; the schema itself is at /api/openapi.json for Swagger UI, Postman and the like)."""

from __future__ import annotations

import json
from html import escape

DESCRIPTION = (
    "Answers about China's pilot-scale testing (中试) policies, with citations, from the same assistant and "
    "answer log as the web app.\n\n"
    "Authentication: when PA_API_KEYS is set, send `Authorization: Bearer <key>`; without keys the API answers "
    "loopback clients only. Each key may make PA_API_RATE requests per minute (HTTP 429 with Retry-After "
    'beyond). Errors are JSON in OpenAI\'s shape: {"error": {"message" (Chinese), "type", "code", '
    '"param"}}.'
)
STYLE = """
body { font-family: system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.6; color: #222; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.88em; }
code { background: #f1f1f1; padding: 0 0.2em; }
.op { border-left: 4px solid #c62828; padding-left: 1em; margin: 2em 0; }
table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: left; }
"""


def _json(data: object) -> str:
    return escape(json.dumps(data, ensure_ascii=False, indent=2))


def _operation(path: str, method: str, op: dict, schemas: dict) -> list[str]:
    parts = [f'<div class="op"><h2><code>{method.upper()} {escape(path)}</code></h2>']
    parts.append(f"<p><b>{escape(op.get('summary', ''))}</b></p>")
    if op.get("description"):
        parts.append(f"<p>{escape(op['description'])}</p>")
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    name = body.get("$ref", "").rsplit("/", 1)[-1]
    if name:
        parts.append(f'<p>Request body: <a href="#{escape(name)}">{escape(name)}</a></p>')
        for example in schemas.get(name, {}).get("examples", [])[:1]:
            parts.append(f"<pre>{_json(example)}</pre>")
    rows = "".join(
        f"<tr><td>{escape(str(code))}</td><td>{escape(r.get('description', ''))}</td></tr>"
        for code, r in op.get("responses", {}).items()
    )
    parts.append(f"<table><tr><th>status</th><th>meaning</th></tr>{rows}</table></div>")
    return parts


def render_docs(schema: dict) -> str:
    info = schema.get("info", {})
    schemas = schema.get("components", {}).get("schemas", {})
    parts = [
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(info.get('title', 'API'))}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(info.get('title', 'API'))}</h1>",
        *(f"<p>{escape(p)}</p>" for p in info.get("description", "").split("\n\n")),
        '<p>OpenAPI schema: <a href="openapi.json">/api/openapi.json</a></p>',
    ]
    for path, operations in schema.get("paths", {}).items():
        for method, op in operations.items():
            parts += _operation(path, method, op, schemas)
    parts.append("<h2>Schemas</h2>")
    for name, body in schemas.items():
        parts.append(
            f'<details id="{escape(name)}"><summary>{escape(name)}</summary><pre>{_json(body)}</pre></details>'
        )
    parts.append("</body></html>")
    return "\n".join(parts)
