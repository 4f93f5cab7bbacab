/* 中试政策助手: page behaviour the Gradio components do not give (loaded once, in <head>).
 *
 * - [n] in an answer opens and scrolls to source n of that answer;
 * - "查看原文定位" and a clause in the clause tree ask the server for the page / the clause, through a
 *   bridge of the same tab (ui/tabs/locate.py: a gr.HTML whose submit event runs the Python handler);
 * - after a question the chat scrolls to the new answer's start, not to its end;
 * - "复制纯文本" copies a reply draft without its Markdown marks;
 * - Gradio's own English words in Chinese (toast titles, upload hints and type message) whatever the
 *   browser's language;
 * - a cell of a table marked pa-hover-table shows its full text on hover.
 */
(function () {
  "use strict";

  function tabOf(el) {
    return el.closest("[role='tabpanel']") || document;
  }

  /* A bridge (ui/tabs/locate.py) gives its tab a function pa_<name>(key) that calls Python. */
  function sendKey(scope, name, value) {
    const fn = scope["pa_" + name] || document.body["pa_" + name];
    if (typeof fn === "function" && value) fn(value);
  }

  function chatScroller() {
    return document.querySelector("#pa-chatbot [role='log']") || document.querySelector("#pa-chatbot .bubble-wrap");
  }

  function scrollWithin(container, el, margin) {
    if (!container || !el) return;
    const top = el.getBoundingClientRect().top - container.getBoundingClientRect().top;
    container.scrollTop += top - (margin || 0);
  }

  /* The key carried in a class name "<prefix><key>" (the chatbot's sanitiser keeps classes, not data-*). */
  function keyOf(el, prefix) {
    const name = Array.from(el.classList).find(function (c) { return c.indexOf(prefix) === 0; });
    return name ? name.slice(prefix.length) : null;
  }

  function openSource(ref) {
    const n = keyOf(ref, "pa-ref-");
    const message = ref.closest(".message-row") || ref.closest(".message") || document;
    const source = n && message.querySelector(".pa-source.pa-src-" + n);
    if (!source) return;
    source.open = true;
    source.classList.add("pa-flash");
    setTimeout(function () { source.classList.remove("pa-flash"); }, 1600);
    const scroller = chatScroller();
    if (scroller && scroller.contains(source)) scrollWithin(scroller, source, 12);
    else source.scrollIntoView({ block: "nearest" });
  }

  function activate(target) {
    const ref = target.closest(".pa-ref");
    if (ref) { openSource(ref); return true; }
    const opener = target.closest(".pa-open");
    if (opener) { sendKey(tabOf(opener), "locate", keyOf(opener, "pa-chunk-")); return true; }
    const node = target.closest(".pa-tree-node");
    if (node) {
      const tree = node.closest(".pa-tree");
      if (tree) tree.querySelectorAll(".pa-tree-node.pa-current").forEach(function (n) { n.classList.remove("pa-current"); });
      node.classList.add("pa-current");
      sendKey(tabOf(node), "tree", keyOf(node, "pa-clause-"));
      return true;
    }
    return false;
  }

  document.addEventListener("click", function (event) {
    if (event.target instanceof Element && activate(event.target)) event.preventDefault();
  });
  document.addEventListener("keydown", function (event) {
    if ((event.key === "Enter" || event.key === " ") && event.target instanceof Element
        && event.target.matches(".pa-ref, .pa-open, .pa-tree-node") && activate(event.target)) {
      event.preventDefault();
    }
  });

  function botRows() {
    return document.querySelectorAll("#pa-chatbot .message-row.bot-row");
  }

  /* Called when a question is sent: once the new answer's row appears, show the question above it. */
  window.paFollow = function () {
    const before = botRows().length;
    let tries = 0;
    const timer = setInterval(function () {
      tries += 1;
      const rows = document.querySelectorAll("#pa-chatbot .message-row");
      if (botRows().length > before || tries > 200) {
        clearInterval(timer);
        const users = document.querySelectorAll("#pa-chatbot .message-row.user-row");
        if (users.length) scrollWithin(chatScroller(), users[users.length - 1], 30);
      } else if (!rows.length && tries > 40) {
        clearInterval(timer);
      }
    }, 50);
  };

  /* Called when an answer is complete: its first line at the top of the chat. */
  window.paScrollToAnswer = function () {
    const rows = botRows();
    if (!rows.length) return;
    const last = rows[rows.length - 1];
    const scroller = chatScroller();
    scrollWithin(scroller, last, 30);
    const box = (scroller || last).getBoundingClientRect();
    if (box.top < 0 || box.top > window.innerHeight - 80) {
      (scroller || last).scrollIntoView({ block: "start" });
    }
  };

  window.paShow = function (selector) {
    const el = document.querySelector(selector);
    if (el) el.scrollIntoView({ block: "nearest" });
  };

  /* The same conversion as ui.views.drafting.plain_text. */
  window.paPlainText = function (text) {
    return (text || "").split("\n").map(function (line) {
      return line.replace(/^#{1,6}\s+/, "").replace(/^>\s?/, "　　").replace(/\*\*(.+?)\*\*/g, "$1");
    }).join("\n").replace(/\n{3,}/g, "\n\n").trim() + "\n";
  };

  window.paCopyPlain = function (text) {
    const plain = window.paPlainText(text);
    window.__paLastCopy = plain;
    const fallback = function () {
      const area = document.createElement("textarea");
      area.value = plain;
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
      area.remove();
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(plain).catch(fallback);
    else fallback();
    return [];
  };

  /* Gradio's own English words in toasts and error badges, and the upload component's type message. */
  const ENGLISH = /Invalid file types?: (.*)\. Only (.*) allowed\./;
  const TITLES = { Error: "提示", Warning: "注意", Info: "提示", Success: "完成" };
  const WORDS = { "Drop File Here": "将文件拖放到此处", "- or -": "或", "Click to Upload": "点击上传",
    "Drop CSV Here": "将文件拖放到此处", "Uploading...": "正在上传……" };
  function translateWords(root) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const word = node.nodeValue.trim();
      if (WORDS[word]) node.nodeValue = node.nodeValue.replace(word, WORDS[word]);
    }
  }
  function translate() {
    document.querySelectorAll(".pa-admin-area, #pa-eval").forEach(translateWords);
    document.querySelectorAll(".toast-title, [data-testid='status-tracker'] span.error").forEach(function (el) {
      const word = (el.textContent || "").trim();
      if (TITLES[word]) el.textContent = el.classList.contains("toast-title") ? TITLES[word] : "出错";
    });
    document.querySelectorAll(".pa-hover-table [role='gridcell']").forEach(function (cell) {
      const text = (cell.textContent || "").trim();
      if (cell.title !== text) cell.title = text; // the full text of a cut cell on hover
    });
    document.querySelectorAll("[data-testid='toast-text']").forEach(function (el) {
      if (ENGLISH.test(el.textContent || "")) {
        el.textContent = el.textContent.replace(ENGLISH, "不支持的文件类型：$1。仅支持 $2 文件。");
      }
    });
  }
  let pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; translate(); });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
