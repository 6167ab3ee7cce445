"""The real page in headless Chromium (Debian's chromium and chromium-driver, driven by
Selenium), served by the bot's own portal server, as Telegram opens it: the launch data in the
URL's fragment (`#tgWebAppData=<signed initData>&tgWebAppThemeParams=...`), read by the vendored
telegram-web-app.js, with a stand-in for the Telegram client around it
(`window.TelegramWebviewProxy`, which records what the page asks of Telegram).

Alice shares her NVR with Bob from the table, Bob accepts in the chat (the fake Bot API), and
Bob's portal lists it under Others' Shared Devices. Each page is saved as a screenshot, light
and dark, under the test's tmp dir (`screenshots/`); set CAMSHARE_SCREENSHOTS to a directory
to keep them there too (README's pictures come from there).

Selenium blocks, and the portal is served by this test's own event loop: every browser call runs
in a worker thread (`asyncio.to_thread`), so the loop keeps answering the page.
"""

import asyncio
import json
import os
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import pytest

from bot.app import portal_server_of
from languages import LANGUAGE_NAMES, _, speaking
from portal.texts import PAGE_TEXTS
from tests.clock import FakeClock
from tests.handlers.journeys import RITA_PHONE, add_nvr, share_everything, started, verified
from tests.harness.users import AnyApplication, Telegram, TelegramUser
from tests.portal.conftest import init_data

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
WAIT = 15.0

webdriver = pytest.importorskip("selenium.webdriver", reason="pip install -e '.[test]'")
if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip(
        "the browser tests need Debian's chromium and chromium-driver:"
        " apt-get install -y chromium chromium-driver (.ci/run does)",
        allow_module_level=True,
    )

from selenium.common.exceptions import NoSuchElementException  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException as StaleElement  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402

LIGHT = {
    "bg_color": "#ffffff",
    "text_color": "#000000",
    "hint_color": "#707579",
    "link_color": "#2481cc",
    "button_color": "#2481cc",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#efeff3",
    "section_bg_color": "#ffffff",
    "destructive_text_color": "#e53935",
}
DARK = {
    "bg_color": "#212121",
    "text_color": "#ffffff",
    "hint_color": "#aaaaaa",
    "link_color": "#8774e1",
    "button_color": "#8774e1",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#0f0f0f",
    "section_bg_color": "#212121",
    "destructive_text_color": "#ff595a",
}

STAND_IN = """
window.telegramEvents = [];
window.TelegramWebviewProxy = {
  postEvent: function (type, data) { window.telegramEvents.push(type); }
};
"""
"""What the Telegram client provides around a Mini App: where the page's events go."""

R = TypeVar("R")
TABS = ("devices", "shared", "received", "account")


class Browser:
    """One headless Chromium at a phone's width, driven from worker threads."""

    def __init__(self, base_url: str, screenshots: Path) -> None:
        options = Options()
        options.binary_location = CHROMIUM
        for argument in (
            "--headless=new",
            "--no-sandbox",  # root in CI containers
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--window-size=360,800",
            "--lang=en-GB",
        ):
            options.add_argument(argument)
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": 360, "height": 800, "deviceScaleFactor": 1, "mobile": True},
        )
        self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": STAND_IN})
        self.base_url = base_url
        self.screenshots = screenshots
        self.opened = 0

    async def run(self, work: Callable[[], R]) -> R:
        return await asyncio.to_thread(work)

    async def open_as(
        self, user: TelegramUser, clock: FakeClock, theme: dict[str, str], page: str = ""
    ) -> None:
        """The Mini App as Telegram opens it for `user`: a new document each time."""
        signed = init_data(user, auth_date=int(clock().timestamp()))
        fragment = "&".join(
            [
                f"tgWebAppData={quote(signed, safe='')}",
                "tgWebAppVersion=8.0",
                "tgWebAppPlatform=android",
                f"tgWebAppThemeParams={quote(json.dumps(theme), safe='')}",
            ]
        )
        self.opened += 1
        query = f"launch={self.opened}" + (f"&page={page}" if page else "")
        url = f"{self.base_url}/?{query}#{fragment}"
        if self.opened > 1:
            # Telegram opens each launch in a fresh webview; the script keeps the launch's
            # theme in sessionStorage, which a fresh webview does not have.
            await self.script("sessionStorage.clear()")
        await self.run(lambda: self.driver.get(url))
        await self.wait_for("body[data-ready='true']")

    async def wait_for(self, css: str) -> WebElement:
        def find() -> WebElement:
            wait = WebDriverWait(self.driver, WAIT)
            return wait.until(lambda d: d.find_element(By.CSS_SELECTOR, css))

        return await self.run(find)

    async def wait_until(self, condition: Callable[[Any], object]) -> None:
        await self.run(lambda: WebDriverWait(self.driver, WAIT).until(condition))

    async def on(self, css: str, act: Callable[[WebElement], R]) -> R:
        """`act` on the element, found again if the page redrew it meanwhile."""

        def attempt(driver: Any) -> tuple[R]:
            return (act(driver.find_element(By.CSS_SELECTOR, css)),)

        def until() -> R:
            wait = WebDriverWait(
                self.driver, WAIT, ignored_exceptions=(NoSuchElementException, StaleElement)
            )
            return wait.until(attempt)[0]

        return await self.run(until)

    async def click(self, css: str) -> None:
        await self.on(css, lambda element: element.click())

    async def type(self, css: str, text: str) -> None:
        await self.on(css, lambda element: (element.clear(), element.send_keys(text)))

    async def text(self, css: str) -> str:
        return await self.on(css, lambda element: element.text)

    async def script(self, source: str) -> Any:
        return await self.run(lambda: self.driver.execute_script(source))

    async def tab(self, page: str) -> None:
        await self.click(f"#tab-{page}")
        await self.wait_for(f"main[data-page='{page}']")

    async def screenshot(self, name: str) -> Path:
        """The whole page at 360 px wide."""
        height = await self.script("return document.documentElement.scrollHeight")
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": 360, "height": max(int(height), 640), "deviceScaleFactor": 1, "mobile": True},
        )
        path = self.screenshots / f"{name}.png"
        await self.run(lambda: self.driver.save_screenshot(str(path)))
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": 360, "height": 800, "deviceScaleFactor": 1, "mobile": True},
        )
        return path

    def quit(self) -> None:
        self.driver.quit()


@pytest.fixture
async def browser(application: AnyApplication, tmp_path: Path) -> AsyncIterator[Browser]:
    server = portal_server_of(application)
    assert server is not None
    screenshots = tmp_path / "screenshots"
    screenshots.mkdir()
    browser = await asyncio.to_thread(Browser, f"http://127.0.0.1:{server.port}", screenshots)
    try:
        yield browser
    finally:
        await asyncio.to_thread(browser.quit)
        keep = os.environ.get("CAMSHARE_SCREENSHOTS")
        if keep:
            shutil.copytree(screenshots, keep, dirs_exist_ok=True)


async def test_alice_shares_from_the_table_and_bob_finds_it_in_others_shared_devices(
    browser: Browser, telegram: Telegram, clock: FakeClock
) -> None:
    alice = await started(telegram, "Alice")
    await add_nvr(alice)
    bob = await verified(telegram, "Bob", RITA_PHONE, username="bob_cam")

    # Alice: Device Management, the page told Telegram it is ready.
    await browser.open_as(alice, clock, LIGHT)
    assert "web_app_ready" in await browser.script("return window.telegramEvents")
    assert "Shop NVR" in await browser.text("[data-device]")
    await browser.screenshot("devices-light")

    # Share: the table starts with everything (R8); Live View is locked on an NVR (R7).
    await browser.click("[data-test='share']")
    await browser.wait_for("[data-test='grants']")
    assert await browser.script(
        "return [...document.querySelectorAll('[data-cell$=\":live_view\"]')]"
        ".every(b => b.checked && b.disabled)"
    )
    # A refusal beside its field, in the chat's words.
    await browser.type("#recipient", "not an address")
    await browser.click("[data-test='save']")
    refusal = await browser.text("[data-refusal='recipient']:not([hidden])")
    assert refusal.startswith("I need a phone number")
    await browser.screenshot("share-refusal-light")

    # Bob by phone; channel 4 off (its row), PTZ off (its column), Playback off on channel 2.
    await browser.type("#recipient", RITA_PHONE)
    await browser.click("[data-row='4']")
    await browser.click("[data-column='ptz']")
    await browser.click("[data-cell='2:playback']")
    await browser.screenshot("share-table-light")
    await browser.click("[data-test='save']")
    await browser.wait_for("main[data-page='shared'] [data-share]")
    assert "Invitation to Shop NVR sent to Bob" in await browser.text("#notice")
    assert "Pending" in await browser.text("[data-share]")
    await browser.screenshot("shared-light")

    # Bob's chat has the prompt, with exactly what the table said.
    prompt = bob.last_message
    assert "Alice wants to share Shop NVR with you (3 channels)" in (prompt.text or "")
    assert "• Camera 01: Live View/Playback/Alarm/Two-way Audio" in (prompt.text or "")
    assert "• Camera 02: Live View/Alarm/Two-way Audio" in (prompt.text or "")
    # Until he answers, Bob's portal shows the invitation waiting (answered in the chat).
    await browser.open_as(bob, clock, LIGHT, page="received")
    waiting = await browser.text("[data-invitation]")
    assert "Shop NVR" in waiting and "Alice" in waiting and "3 channels" in waiting
    await browser.screenshot("invitation-light")
    await bob.tap("✅ Accept")

    # Bob's portal, opened by /received's "Open portal" (?page=received): it lists it.
    await browser.open_as(bob, clock, LIGHT, page="received")
    await browser.wait_for("main[data-page='received']")
    row = await browser.text("[data-received]")
    assert "Shop NVR" in row and "J12345678" in row and "Alice" in row
    await browser.screenshot("received-light")
    await browser.click("[data-test='details']")
    details = await browser.text("[data-test='details-card']")
    assert "Camera 02" in details and "Camera 04" not in details
    await browser.screenshot("details-light")
    await browser.tab("account")
    await browser.click("[data-test='show-qr']")
    await browser.wait_for("img.qr")
    assert RITA_PHONE in await browser.text("main")
    await browser.screenshot("account-light")

    # Alice's My Shared Devices shows Bob active; the same pages in the dark theme.
    await browser.open_as(alice, clock, DARK)
    background = await browser.script(
        "return getComputedStyle(document.querySelector('.card')).backgroundColor"
    )
    assert background == "rgb(33, 33, 33)", background
    await browser.screenshot("devices-dark")
    await browser.click("[data-test='share']")
    await browser.wait_for("[data-test='grants']")
    await browser.screenshot("share-table-dark")
    await browser.tab("shared")
    assert "Active" in await browser.text("[data-share]")
    await browser.screenshot("shared-dark")
    await browser.open_as(bob, clock, DARK)
    await browser.tab("received")
    await browser.screenshot("received-dark")
    await browser.tab("account")
    await browser.screenshot("account-dark")


async def test_a_page_opened_outside_telegram_says_where_to_open_it(
    browser: Browser, telegram: Telegram
) -> None:
    await browser.run(lambda: browser.driver.get(browser.base_url + "/"))
    message = await browser.text("[data-test='unauthorized']")
    assert message == "Open this page from the bot in Telegram."


async def test_editing_deleting_renaming_and_cancelling_from_the_pages(
    browser: Browser, telegram: Telegram, clock: FakeClock
) -> None:
    alice = await started(telegram, "Alice")
    await add_nvr(alice)
    bob = await verified(telegram, "Bob", RITA_PHONE, username="bob_cam")
    await share_everything(alice, RITA_PHONE)
    await bob.tap("✅ Accept")
    await share_everything(alice, "@nobody_yet")

    # Bob names it for himself in Others' Shared Devices.
    await browser.open_as(bob, clock, LIGHT, page="received")
    await browser.click("[data-test='rename']")
    await browser.type("[data-test='rename-form'] input", "Uncle's shop")
    await browser.click("[data-test='rename-form'] [data-test='save']")
    await browser.wait_until(
        lambda d: "Uncle's shop" in d.find_element(By.CSS_SELECTOR, "[data-received]").text
    )

    # Alice takes Alarm off every channel of Bob's share (its column), and he is told.
    await browser.open_as(alice, clock, LIGHT, page="shared")
    bobs = "[data-share]"  # the first: the older share
    assert "Bob" in await browser.text(bobs)
    await browser.click(f"{bobs} [data-test='edit']")
    await browser.click("[data-column='alarm']")
    await browser.click("[data-test='save']")
    await browser.wait_for("main[data-page='shared'] [data-share]")
    assert "Bob's access to Shop NVR was updated" in await browser.text("#notice")
    assert "Alarm" not in (bob.last_message.text or "").split(":", 1)[1]

    # The invitation nobody claimed is cancelled, Bob's share deleted: each asks first.
    await browser.click("[data-test='cancel']")
    await browser.click("[data-test='confirm-yes']")
    await browser.wait_until(
        lambda d: "was cancelled" in d.find_element(By.CSS_SELECTOR, "#notice").text
    )
    await browser.click("[data-test='delete']")
    await browser.click("[data-test='confirm-yes']")
    await browser.wait_until(
        lambda d: "they have been told" in d.find_element(By.CSS_SELECTOR, "#notice").text
    )
    assert (
        bob.last_message.text == "🗑 Alice stopped sharing Shop NVR (your “Uncle's shop”) with you."
    )
    assert await browser.text("main .empty") == "You do not share any device yet."


@pytest.mark.parametrize("language", ["zh_Hans", "ru"])
async def test_the_portal_speaks_the_language_chosen_in_the_chat(
    browser: Browser, telegram: Telegram, clock: FakeClock, language: str
) -> None:
    """Every word of the page comes from the catalogs in the account's language; the tabs and
    the table still fit a phone's 360 px (screenshots `devices-<language>-*`)."""
    alice = await started(telegram, "Alice")
    await add_nvr(alice)
    await alice.send("/language")
    await alice.tap(LANGUAGE_NAMES[language])
    await browser.open_as(alice, clock, LIGHT)
    with speaking(language):
        expected_tabs = [_(PAGE_TEXTS[f"tab_{page}"]) for page in TABS]
    assert [await browser.text(f"#tab-{page}") for page in TABS] == expected_tabs
    await browser.screenshot(f"devices-{language}-light")
    wide = await browser.script("return document.documentElement.scrollWidth")
    assert wide <= 360, "nothing sticks out sideways"
