"""Document text in admin status messages is shown as written, and URLs or addresses in a question or a
document never become links: through the running app (gradio_client) and in headless Chromium."""

from __future__ import annotations

import pytest
from gradio_client import handle_file

from tests.test_ui_browser import browser  # noqa: F401 - the Chromium fixture
from tests.ui_fixtures import ADMIN, build_env, close_env, connect, running_app
from ui.views.render import md_text

pytestmark = pytest.mark.slow
MARKUP_TITLE = "关于<img src=x onerror=alert(1)>中试验证的补充通知"
POLICY = (
    f"{MARKUP_TITLE}\n第一条 中试验证机构应当建立质量管理体系。\n第二条 申报请登录https://evil.example/apply 提交。\n"
)
LINKS = "申报网址https://evil.example/apply，邮箱apply@evil.example，www.evil.example 可以用吗？"


def test_md_text_leaves_no_autolink():
    shown = md_text(LINKS)
    assert "://" not in shown and "@" not in shown and "www." not in shown
    assert shown.replace("&#58;", ":").replace("&#64;", "@").replace("\\", "") == LINKS


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    environment = build_env(tmp_path_factory.mktemp("markup"))
    with running_app(environment) as url:
        yield environment, url
    close_env(environment)


def test_document_titles_in_upload_and_reindex_status_are_escaped(app, tmp_path):
    _, url = app
    source = tmp_path / "补充通知.txt"
    source.write_text(POLICY, encoding="utf-8")
    client = connect(url, tmp_path)
    client.predict(*ADMIN, api_name="/login")
    uploaded = client.predict(handle_file(str(source)), False, api_name="/upload")
    reindexed = client.predict(api_name="/reindex")
    for status in (uploaded, reindexed):
        assert "<img" not in status and "&lt;img src=x onerror=alert\\(1\\)&gt;" in status, status
    assert "新增" in uploaded and "未变化" in reindexed


@pytest.mark.browser
def test_urls_in_a_question_are_not_links_in_the_browser(app, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    _, url = app
    wait = WebDriverWait(browser, 60)
    browser.get(url)
    box = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#pa-question textarea")))
    box.send_keys(LINKS, Keys.ENTER)
    wait.until(lambda d: "记录编号" in d.find_element(By.ID, "pa-status").text)
    chat = browser.find_element(By.ID, "pa-chatbot")
    assert "https://evil.example/apply" in chat.text and "apply@evil.example" in chat.text
    assert browser.find_elements(By.CSS_SELECTOR, "#pa-chatbot a[href]") == []
