"""The chat in headless Chromium, as an enterprise manager uses it on a 1366×768 laptop and a 400 px phone."""

from __future__ import annotations

import urllib.request

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser_fixtures import (
    chromium,
    error_overlays,
    in_viewport,
    keep_screenshot,
    open_app,
    rect,
    wait,
    yellow_pixels,
)
from tests.ui_fixtures import build_env, close_env, running_app

pytestmark = [pytest.mark.slow, pytest.mark.browser]

TABS = ["政策问答", "答复起草", "政策文件", "答案评审"]
LONG_QUESTION = "上海对中试平台有哪些支持政策？"  # the 16-source outline
SECOND_LONG_QUESTION = "国家《实施意见》解读有哪些内容？"  # the 14-source outline of the 解读
QUESTION = "新建中试平台采购设备最高补贴多少？"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    environment = build_env(tmp_path_factory.mktemp("browser-chat"))
    yield environment
    close_env(environment)


@pytest.fixture(scope="module")
def url(env):
    with running_app(env) as address:
        yield address


@pytest.fixture
def laptop(tmp_path):
    with chromium(tmp_path / "profile", 1366, 768) as driver:
        yield driver


def bot_rows(driver):
    return driver.find_elements(By.CSS_SELECTOR, "#pa-chatbot .message-row.bot-row")


def ask(driver, text: str) -> None:
    """Type a question, send it with Enter and wait until its answer is logged and shown."""
    before = len(bot_rows(driver))
    status = driver.find_element(By.ID, "pa-status").text
    box = driver.find_element(By.CSS_SELECTOR, "#pa-question textarea")
    box.send_keys(text, Keys.ENTER)
    wait(driver).until(
        lambda d: (
            len(bot_rows(d)) > before and "记录编号" in (t := d.find_element(By.ID, "pa-status").text) and t != status
        )
    )


def scroller(driver):
    return driver.find_element(By.CSS_SELECTOR, "#pa-chatbot [role='log']")


def visible_in_chat(driver, element) -> bool:
    """The element's top lies inside the chat's scrolled area and inside the window."""
    box, area = rect(driver, element), rect(driver, scroller(driver))
    height = driver.execute_script("return window.innerHeight")
    return area["top"] - 1 <= box["top"] <= area["bottom"] - 20 and 0 <= box["top"] <= height - 20


def test_the_page_opens_at_the_top_at_1366x768(url, laptop):
    open_app(laptop, url)
    wait(laptop, 5).until(lambda d: d.execute_script("return document.readyState") == "complete")
    assert laptop.execute_script("return window.scrollY") == 0
    title = laptop.find_element(By.CSS_SELECTOR, "#pa-intro h2")
    assert title.text == "中试政策助手" and in_viewport(laptop, title)
    assert in_viewport(laptop, laptop.find_element(By.ID, "pa-login"))
    tabs = [t for t in laptop.find_elements(By.CSS_SELECTOR, "[role='tab']") if t.text.strip() in TABS]
    assert sorted(t.text.strip() for t in tabs) == sorted(TABS) and all(in_viewport(laptop, t) for t in tabs)
    assert in_viewport(laptop, laptop.find_element(By.CSS_SELECTOR, "#pa-question textarea")), "the input is on screen"
    assert laptop.switch_to.active_element.tag_name == "body", "nothing takes the focus (and scrolls) on load"
    keep_screenshot(laptop, "chat-opens-at-top")


def test_an_empty_question_leaves_no_overlay_and_the_next_is_answered(url, laptop):
    open_app(laptop, url)
    box = laptop.find_element(By.CSS_SELECTOR, "#pa-question textarea")
    box.send_keys("   ", Keys.ENTER)
    error = wait(laptop).until(lambda d: (e := d.find_element(By.ID, "pa-question-error")).text and e)
    assert "问题不能为空" in error.text
    assert rect(laptop, error)["top"] >= rect(laptop, box)["bottom"], "the message is under the input box"
    keep_screenshot(laptop, "chat-empty-question")
    assert error_overlays(laptop) == []
    box.clear()
    box.send_keys("中" * 2001, Keys.ENTER)
    wait(laptop).until(lambda d: "问题过长（2001 字）" in d.find_element(By.ID, "pa-question-error").text)
    assert error_overlays(laptop) == [] and bot_rows(laptop) == []
    assert box.get_attribute("value") == "中" * 2001, "the typed text is kept to be shortened"
    box.clear()
    ask(laptop, QUESTION)
    assert "1亿元" in bot_rows(laptop)[-1].text
    assert laptop.find_element(By.ID, "pa-question-error").text == ""
    assert error_overlays(laptop) == []


def test_a_long_answer_shows_its_first_line_and_markers_open_their_sources(url, laptop):
    open_app(laptop, url)
    ask(laptop, LONG_QUESTION)
    ask(laptop, SECOND_LONG_QUESTION)  # below a long answer: the chat must scroll back up to this one's start
    answer = bot_rows(laptop)[-1]
    first_line = answer.find_element(By.CSS_SELECTOR, ".message-content p")
    assert first_line.text.startswith("《制造业中试创新发展实施意见》解读的主要内容")
    wait(laptop, 5).until(lambda d: visible_in_chat(d, first_line))
    keep_screenshot(laptop, "chat-long-answer")
    assert len(answer.find_elements(By.CSS_SELECTOR, ".pa-ref")) >= 14
    for n in (1, 13):
        source = answer.find_element(By.CSS_SELECTOR, f".pa-source.pa-src-{n}")
        assert source.get_attribute("open") is None
        answer.find_element(By.CSS_SELECTOR, f".pa-ref-{n}").click()
        wait(laptop, 5).until(lambda d, s=source: s.get_attribute("open") is not None and visible_in_chat(d, s))
        assert f"[{n}]" in source.find_element(By.TAG_NAME, "summary").text
    assert "工信部联科〔2024〕11号" in answer.find_element(By.CSS_SELECTOR, ".pa-src-13 summary").text
    keep_screenshot(laptop, "chat-marker-opens-source")


def highlighted_pixels(image_url: str) -> int:
    """Pixels of the highlight's yellow fill in the rendered page."""
    import io

    from PIL import Image

    with urllib.request.urlopen(image_url, timeout=30) as response:
        return yellow_pixels(Image.open(io.BytesIO(response.read())))


def test_the_original_page_view_highlights_a_pdf_clause(url, laptop):
    open_app(laptop, url)
    ask(laptop, QUESTION)
    answer = bot_rows(laptop)[-1]
    answer.find_element(By.CSS_SELECTOR, ".pa-ref-1").click()
    opener = wait(laptop, 5).until(lambda d: (o := answer.find_element(By.CSS_SELECTOR, ".pa-src-1 .pa-open")) and o)
    assert "查看原文定位" in opener.text
    opener.click()
    image = wait(laptop).until(
        lambda d: next(
            (i for i in d.find_elements(By.CSS_SELECTOR, "#pa-chat-locate-image img") if i.get_attribute("src")), None
        )
    )
    wait(laptop).until(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image))
    heading = laptop.find_element(By.ID, "pa-chat-locate-heading").text
    assert "沪经信技〔2025〕365号" in heading and "第6页" in heading and "黄色框" in heading
    assert highlighted_pixels(image.get_attribute("src")) > 5_000
    keep_screenshot(laptop, "chat-original-page")


def test_examples_send_follow_ups_are_noted_and_feedback_is_confirmed(url, laptop):
    open_app(laptop, url)
    example = next(b for b in laptop.find_elements(By.CSS_SELECTOR, "#pa-examples button") if QUESTION in b.text)
    example.click()
    wait(laptop).until(lambda d: len(bot_rows(d)) == 1 and "记录编号" in d.find_element(By.ID, "pa-status").text)
    assert "1亿元" in bot_rows(laptop)[0].text
    assert laptop.find_element(By.CSS_SELECTOR, "#pa-question textarea").get_attribute("value") == ""
    assert not bot_rows(laptop)[0].find_elements(By.CSS_SELECTOR, ".pa-note"), "a standalone question has no note"
    ask(laptop, "那已建的呢？")
    note = bot_rows(laptop)[-1].find_element(By.CSS_SELECTOR, ".pa-note").text
    assert note.startswith("理解为：") and len(note) <= 34
    laptop.find_elements(By.CSS_SELECTOR, "#pa-chatbot button[aria-label='Like']")[-1].click()
    confirmation = wait(laptop).until(lambda d: (e := d.find_element(By.ID, "pa-like-note")).text and e)
    assert "已记录" in confirmation.text and "好评" in confirmation.text
    assert in_viewport(laptop, confirmation)
    chat_bottom = rect(laptop, laptop.find_element(By.ID, "pa-chatbot"))["bottom"]
    assert 0 <= rect(laptop, confirmation)["top"] - chat_bottom < 60, "the confirmation is right under the chat"
    keep_screenshot(laptop, "chat-feedback-confirmed")


def test_a_refusal_under_a_scope_filter_offers_all_documents(url, laptop):
    open_app(laptop, url)
    laptop.find_element(By.XPATH, "//*[@id='pa-scope']//label[contains(., '上海')]").click()
    ask(laptop, "国家出台《实施意见》的背景是什么？")
    refusal = bot_rows(laptop)[-1].text
    assert "未覆盖" in refusal and "当前政策范围为“上海”" in refusal
    widen = wait(laptop).until(lambda d: (b := d.find_element(By.ID, "pa-widen")).is_displayed() and b)
    keep_screenshot(laptop, "chat-scope-refusal")
    widen.click()
    wait(laptop).until(lambda d: len(bot_rows(d)) == 2 and "记录编号 #" in d.find_element(By.ID, "pa-status").text)
    wait(laptop).until(lambda d: "出台的背景" in bot_rows(d)[-1].text)
    assert laptop.find_element(By.CSS_SELECTOR, "#pa-scope input:checked").get_attribute("value") == "全部"
    assert not [b for b in laptop.find_elements(By.ID, "pa-widen") if b.is_displayed()]


def test_a_usable_400px_layout(url, tmp_path):
    with chromium(tmp_path / "phone", 400, 800, mobile=True) as phone:
        open_app(phone, url)
        assert phone.execute_script("return document.documentElement.scrollWidth") <= 400, "no sideways scrolling"
        box = phone.find_element(By.CSS_SELECTOR, "#pa-question textarea")
        send = phone.find_element(By.ID, "pa-send")
        assert rect(phone, box)["width"] >= 250
        assert abs(rect(phone, send)["top"] - rect(phone, box)["top"]) < 40, "the send button sits beside the box"
        assert rect(phone, box)["height"] < 50, "the placeholder stays on one line"
        phone.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
        ask(phone, QUESTION)
        assert "1亿元" in bot_rows(phone)[-1].text
        keep_screenshot(phone, "chat-400px")
