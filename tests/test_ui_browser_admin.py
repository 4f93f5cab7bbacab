"""The evaluator's and the help-desk officer's tabs in headless Chromium: login prompt, saved rating, clause
tree, reply drafts."""

from __future__ import annotations

import urllib.request

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser_fixtures import chromium, error_overlays, keep_screenshot, open_app, wait
from tests.ui_fixtures import ADMIN, build_env, close_env, connect, running_app

pytestmark = [pytest.mark.slow, pytest.mark.browser]
ADMIN_BUTTONS = {
    "保存评审",
    "查看记录",
    "刷新",
    "导出 CSV",
    "导出评测集 JSONL",
    "运行评测",
    "上传并重建索引",
    "按语料目录重建索引",
}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    environment = build_env(tmp_path_factory.mktemp("browser-admin"))
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


def tab(driver, name: str) -> None:
    driver.find_element(By.XPATH, f"//button[@role='tab' and contains(., '{name}')]").click()


def shown_admin_buttons(driver) -> set[str]:
    shown = driver.execute_script(
        "return Array.from(document.querySelectorAll('button'))"
        ".filter(b => b.offsetParent !== null && b.getClientRects().length).map(b => b.textContent.trim());"
    )
    return set(shown) & ADMIN_BUTTONS


def open_accordion(driver, label: str) -> None:
    driver.find_element(By.XPATH, f"//button[contains(@class, 'label-wrap') and contains(., '{label}')]").click()


def log_in(driver) -> None:
    driver.find_element(By.ID, "pa-login").click()
    fields = wait(driver).until(
        lambda d: [
            f for f in d.find_elements(By.CSS_SELECTOR, "#pa-login textarea, #pa-login input") if f.is_displayed()
        ]
    )
    fields[0].send_keys(ADMIN[0])
    fields[1].send_keys(ADMIN[1], Keys.ENTER)
    wait(driver).until(lambda d: "已以管理员" in d.find_element(By.ID, "pa-login-status").text)


def test_anonymous_users_see_a_login_prompt_instead_of_admin_controls(url, laptop):
    open_app(laptop, url)
    tab(laptop, "答案评审")
    prompt = wait(laptop).until(
        lambda d: next((p for p in d.find_elements(By.CSS_SELECTOR, ".pa-login-prompt") if p.is_displayed()), None)
    )
    assert "答案评审仅供管理员使用" in prompt.text and "登录" in prompt.text
    assert shown_admin_buttons(laptop) == set()
    assert not [t for t in laptop.find_elements(By.ID, "pa-qa-table") if t.is_displayed()]
    keep_screenshot(laptop, "review-anonymous")
    tab(laptop, "政策文件")
    open_accordion(laptop, "上传政策文件并重建索引")
    wait(laptop).until(
        lambda d: any(
            "上传文件和重建索引仅供管理员使用" in p.text for p in d.find_elements(By.CSS_SELECTOR, ".pa-login-prompt")
        )
    )
    assert shown_admin_buttons(laptop) == set() and error_overlays(laptop) == []

    log_in(laptop)
    wait(laptop).until(lambda d: {"上传并重建索引", "按语料目录重建索引"} <= shown_admin_buttons(d))
    upload = laptop.find_element(By.CSS_SELECTOR, "#pa-tab-docs .pa-admin-area")
    wait(laptop).until(lambda d: "点击上传" in upload.text)
    assert "Drop File Here" not in upload.text and "Click to Upload" not in upload.text, "every message in Chinese"
    tab(laptop, "答案评审")
    wait(laptop).until(lambda d: {"保存评审", "查看记录", "刷新"} <= shown_admin_buttons(d))
    laptop.find_element(By.XPATH, "//button[contains(., '退出')]").click()
    wait(laptop).until(lambda d: shown_admin_buttons(d) == set())


def test_the_saved_rating_and_the_earlier_turns_are_shown(env, url, laptop, tmp_path):
    client = connect(url, tmp_path)
    client.predict("新建中试平台采购设备最高补贴多少？", "全部", api_name="/ask")
    client.predict("那已建的呢？", "全部", api_name="/ask")
    followup = next(r for r in env.repo.list_answers() if r["question"] == "那已建的呢？")
    first = next(r for r in env.repo.list_answers() if r["question"] == "新建中试平台采购设备最高补贴多少？")
    env.repo.rate(followup["id"], "wrong", "把新建与已建弄混")

    open_app(laptop, url)
    log_in(laptop)
    tab(laptop, "答案评审")
    rows = wait(laptop).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#pa-qa-table [data-testid^='cell-'][data-testid$='-0']")
    )
    by_id = {int(c.text): c.get_attribute("data-testid").split("-")[1] for c in rows if c.text.strip().isdigit()}
    long_question = laptop.find_element(By.CSS_SELECTOR, f"#pa-qa-table [data-testid='cell-{by_id[first['id']]}-2']")
    assert long_question.get_attribute("title") == first["question"], "the full text on hover"
    widths = {c.size["width"] for c in laptop.find_elements(By.CSS_SELECTOR, "#pa-qa-table [data-testid$='-0']")}
    assert len(widths) == 1, "fixed column widths"
    laptop.find_element(By.CSS_SELECTOR, f"#pa-qa-table [data-testid='cell-{by_id[followup['id']]}-2']").click()
    wait(laptop).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#pa-rating input:checked"))
    checked = laptop.find_element(By.CSS_SELECTOR, "#pa-rating input:checked")
    assert checked.get_attribute("value") == "wrong"
    assert laptop.find_element(By.CSS_SELECTOR, "#pa-rating-note textarea").get_attribute("value") == "把新建与已建弄混"
    detail = laptop.find_element(By.ID, "pa-qa-detail").text
    assert "北京时间" in detail and "此前的对话" in detail and "新建中试平台采购设备最高补贴多少" in detail
    assert "结合上文理解为" in detail
    keep_screenshot(laptop, "review-saved-rating")
    laptop.find_element(By.CSS_SELECTOR, f"#pa-qa-table [data-testid='cell-{by_id[first['id']]}-2']").click()
    wait(laptop).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#pa-rating input:checked"))
    time_cell = laptop.find_element(By.CSS_SELECTOR, f"#pa-qa-table [data-testid='cell-{by_id[first['id']]}-1']")
    assert time_cell.text and laptop.find_element(By.CSS_SELECTOR, "#pa-qa-table").text.count("北京时间") == 1
    assert error_overlays(laptop) == []


def test_the_clause_tree_is_clickable_and_opens_the_original_page(url, laptop):
    open_app(laptop, url)
    tab(laptop, "政策文件")
    laptop.find_element(By.CSS_SELECTOR, "#pa-doc-select input").click()
    option = wait(laptop).until(
        lambda d: next(
            (o for o in d.find_elements(By.CSS_SELECTOR, "[role='option']") if "上海市中试平台" in o.text), None
        )
    )
    option.click()
    node = wait(laptop).until(
        lambda d: next(
            (n for n in d.find_elements(By.CSS_SELECTOR, "#pa-tree .pa-tree-node") if "（十二）" in n.text), None
        )
    )
    node.click()
    wait(laptop).until(lambda d: "支持金额最高可达1亿元" in d.find_element(By.ID, "pa-clause").text)
    laptop.find_element(By.ID, "pa-clause-open").click()
    wait(laptop).until(lambda d: "黄色框" in d.find_element(By.ID, "pa-docs-locate-heading").text)
    assert "第6页" in laptop.find_element(By.ID, "pa-docs-locate-heading").text
    keep_screenshot(laptop, "documents-clause-tree")


def test_a_reply_draft_in_the_browser(env, url, laptop, tmp_path):
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    open_app(laptop, url)
    tab(laptop, "答复起草")
    laptop.find_element(By.CSS_SELECTOR, "#pa-draft-question textarea").send_keys(
        "您好，已建的中试平台提升能级，补贴比例最高多少？"
    )
    laptop.find_element(By.XPATH, "//*[@id='pa-draft-kind']//label[contains(., '单位')]").click()
    laptop.find_element(By.ID, "pa-draft-make").click()
    text = wait(laptop).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#pa-draft-text textarea").get_attribute("value")
    )
    assert text.startswith("# 关于“已建的中试平台提升能级，补贴比例最高多少”的答复意见") and "\n贵单位：\n" in text
    wait(laptop).until(lambda d: "默认截止日期" in d.find_element(By.ID, "pa-draft-save-note").text)
    laptop.find_element(By.ID, "pa-draft-copy").click()
    copied = wait(laptop).until(lambda d: d.execute_script("return window.__paLastCopy"))
    assert copied.startswith("关于“") and "\n# " not in copied and "\n> " not in copied and "5000万元" in copied

    laptop.find_element(By.ID, "pa-draft-export").click()
    link = wait(laptop).until(
        lambda d: next(
            (
                a
                for a in d.find_elements(By.CSS_SELECTOR, "#pa-draft-files a")
                if ".docx" in (a.get_attribute("href") or "")
            ),
            None,
        )
    )
    target = tmp_path / "draft.docx"
    with urllib.request.urlopen(link.get_attribute("href"), timeout=30) as response:
        target.write_bytes(response.read())
    document = docx.Document(str(target))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297), "A4"
    assert document.paragraphs[-1].text.endswith("日") and document.paragraphs[-1].alignment == WD_ALIGN_PARAGRAPH.RIGHT

    laptop.find_element(By.CSS_SELECTOR, "#pa-draft-reviewer textarea, #pa-draft-reviewer input").send_keys("张科长")
    laptop.find_element(By.ID, "pa-draft-save").click()
    wait(laptop).until(lambda d: "已保存草稿" in d.find_element(By.ID, "pa-draft-save-note").text)
    listed = laptop.find_element(By.ID, "pa-draft-table").text
    assert "已建的中试平台提升能级" in listed and "张科长" in listed
    keep_screenshot(laptop, "draft-saved")
    assert error_overlays(laptop) == []
