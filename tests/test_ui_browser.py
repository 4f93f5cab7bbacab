"""One real-browser test: headless Debian Chromium asks a question and finds the cited 文号."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.browser_fixtures import ARTIFACTS
from tests.ui_fixtures import build_env, close_env, running_app

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_S = 60
TABS = ["政策问答", "答复起草", "政策文件", "答案评审"]


@pytest.fixture
def browser(tmp_path, monkeypatch):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("needs Debian chromium and chromium-driver (`make browser` installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv("SE_OFFLINE", "true")  # never let Selenium Manager go online
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--window-size=1280,1800",
        "--lang=zh-CN",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def save_screenshot(driver, path: Path) -> None:
    assert driver.save_screenshot(str(path)) and path.stat().st_size > 10_000
    ARTIFACTS.mkdir(parents=True, exist_ok=True)  # kept for a human to look at (git-ignored)
    shutil.copyfile(path, ARTIFACTS / f"browser-{path.name}")
    if os.environ.get("PA_UI_SCREENSHOT_DIR"):  # keep a copy for a human to look at
        keep = Path(os.environ["PA_UI_SCREENSHOT_DIR"])
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, keep / path.name)


def test_ask_in_browser(tmp_path, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    env = build_env(tmp_path / "env")
    try:
        with running_app(env) as url:
            wait = WebDriverWait(browser, WAIT_S)
            browser.get(url)
            box = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#pa-question textarea")))
            tabs = [t.text.strip() for t in browser.find_elements(By.CSS_SELECTOR, "[role='tab']")]
            assert all(name in tabs for name in TABS), tabs

            box.send_keys("新建中试平台采购设备最高补贴多少？", Keys.ENTER)
            chat = browser.find_element(By.ID, "pa-chatbot")
            summary = wait.until(
                lambda d: next(
                    (
                        s
                        for s in d.find_elements(By.CSS_SELECTOR, "#pa-chatbot .pa-source summary")
                        if "沪经信技〔2025〕365号" in s.text
                    ),
                    None,
                )
            )
            first_status = wait.until(
                lambda d: (t := d.find_element(By.ID, "pa-status").text) and "记录编号" in t and t
            )
            assert "1亿元" in chat.text
            summary.click()
            clause = wait.until(
                lambda d: next(
                    (c for c in d.find_elements(By.CSS_SELECTOR, "#pa-chatbot .pa-clause") if c.is_displayed()), None
                )
            )
            assert "支持金额最高可达1亿元" in clause.text
            save_screenshot(browser, tmp_path / "chat.png")

            qa_id = env.repo.list_answers()[0]["id"]
            browser.find_elements(By.CSS_SELECTOR, "#pa-chatbot button[aria-label='Like']")[-1].click()
            wait.until(lambda _: [f["thumb"] for f in env.repo.feedback_for(qa_id)] == ["up"])

            box.send_keys('<img src=x onerror="window.__pwned=1">中试服务券最高支持比例是多少？', Keys.ENTER)
            wait.until(lambda d: (t := d.find_element(By.ID, "pa-status").text) != first_status and "记录编号" in t)
            assert "<img src=x" in chat.text, "user markup must show as text"
            assert browser.execute_script("return window.__pwned === undefined")

            origins = browser.execute_script(
                "return performance.getEntriesByType('resource').map(e => new URL(e.name).origin)"
            )
            assert set(origins) <= {url.rstrip("/")}, f"external requests: {set(origins)}"
            save_screenshot(browser, tmp_path / "escaped.png")

    finally:
        close_env(env)


def test_embed_shows_the_chat_alone_in_an_iframe(tmp_path, browser):
    """The README's snippet: an <iframe> of the chat page with ?embed=1 hides the header, the login, the
    tabs and the footer; the chat works inside it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    env = build_env(tmp_path / "env")
    host_page = tmp_path / "portal.html"
    try:
        with running_app(env) as url:
            wait = WebDriverWait(browser, WAIT_S)
            host_page.write_text(
                f'<!doctype html><meta charset="utf-8"><h1>企业门户</h1><iframe id="pa" src="{url}?embed=1" '
                'width="100%" height="760" style="border:0" title="中试政策助手"></iframe>',
                encoding="utf-8",
            )
            browser.get(host_page.as_uri())
            browser.switch_to.frame(wait.until(EC.presence_of_element_located((By.ID, "pa"))))
            box = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#pa-question textarea")))
            for selector in ("#pa-intro", "#pa-login", "[role='tab']", "footer"):
                shown = [e for e in browser.find_elements(By.CSS_SELECTOR, selector) if e.is_displayed()]
                assert not shown, f"{selector} is shown in the embedded chat"
            box.send_keys("新建中试平台采购设备最高补贴多少？", Keys.ENTER)
            wait.until(lambda d: "1亿元" in d.find_element(By.ID, "pa-chatbot").text)
            save_screenshot(browser, tmp_path / "embedded.png")

            browser.switch_to.default_content()
            browser.get(url)  # without ?embed=1 the page is whole
            wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#pa-question textarea")))
            assert browser.find_element(By.ID, "pa-intro").is_displayed()
            assert [t.text.strip() for t in browser.find_elements(By.CSS_SELECTOR, "[role='tab']") if t.is_displayed()]
    finally:
        close_env(env)
