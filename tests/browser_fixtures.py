"""Headless Debian Chromium for the browser tests: a driver with an exact viewport, waits, screenshots.

Screenshots are kept under tests/artifacts/ (git-ignored) for a human to look at.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
WAIT_S = 60


@contextmanager
def chromium(profile: Path, width: int = 1366, height: int = 768, mobile: bool = False):
    """A headless Chromium whose page viewport is exactly width × height CSS pixels."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("needs Debian chromium and chromium-driver (`make browser` installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # never let Selenium Manager go online
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height + 200}",
        "--lang=zh-CN",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
        )
        yield driver
    finally:
        driver.quit()


def wait(driver, timeout: float = WAIT_S):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout)


def open_app(driver, url: str) -> None:
    """Load the page and wait until the chat's input box is there."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    driver.get(url)
    wait(driver).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#pa-question textarea")))


def keep_screenshot(driver, name: str) -> Path:
    """Save a screenshot as tests/artifacts/<name>.png (and to PA_UI_SCREENSHOT_DIR when set)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    assert driver.save_screenshot(str(path)) and path.stat().st_size > 5_000
    if os.environ.get("PA_UI_SCREENSHOT_DIR"):
        keep = Path(os.environ["PA_UI_SCREENSHOT_DIR"])
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, keep / path.name)
    return path


def rect(driver, element) -> dict:
    """The element's bounding box in viewport coordinates."""
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height};",
        element,
    )


def in_viewport(driver, element) -> bool:
    box = rect(driver, element)
    size = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    return box["height"] > 0 and box["top"] >= 0 and box["bottom"] <= size[1] and box["right"] <= size[0] + 1


def error_overlays(driver) -> list[str]:
    """Texts of visible error overlays (Gradio's status trackers in the error state) and error toasts."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll("
        '\'[data-testid="status-tracker"] .error, .toast-body.error, [data-testid="toast-body"]\'))'
        ".filter(e => e.offsetParent !== null).map(e => e.textContent.trim());"
    )


def yellow_pixels(image) -> int:
    """Pixels of the 原文定位 highlight's yellow fill (ui/views/locate.py FILL over white) in a PIL image."""
    import numpy as np

    rgb = np.asarray(image.convert("RGB"))
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return int(((r > 240) & (g > 225) & (g < 250) & (b < 200)).sum())
