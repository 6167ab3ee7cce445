"""🔌 Connect: the owner gives the device's address and credentials; the bot proves it is the
device that was added, reads what it is, and keeps the password sealed and out of the chat."""

import logging

import pytest
from sqlmodel import select

from storage.database import Database
from storage.models import Channel, DeviceConnection
from tests.device_simulator import DeviceSimulator, ManualClock
from tests.handlers.devices.journeys import (
    NVR_SERIAL,
    connect,
    owner_of_connected_nvr,
)
from tests.handlers.journeys import add_nvr, started
from tests.harness.users import Telegram

NOT_YOURS = "That device is not in your list any more. Send /devices to see your devices."


async def test_connecting_reads_the_device_and_hides_the_password(
    telegram: Telegram,
    nvr_simulator: DeviceSimulator,
    database: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    olivia = await started(telegram, "Olivia")
    await add_nvr(olivia, serial=NVR_SERIAL, channels="4", firmware="V4.30.005 build 200101")
    assert "Optional last step: 🔌 Connect" in olivia.messages[-2].text
    await olivia.tap("🔌 Connect")
    assert "1/3" in olivia.last_message.text and "address" in olivia.last_message.text
    await olivia.send(f"127.0.0.1:{nvr_simulator.port}")
    assert olivia.last_message.text.startswith("2/3")
    await olivia.send("admin")
    assert olivia.last_message.text.startswith("3/3")
    await olivia.send(nvr_simulator.password)

    texts = [message.text or "" for message in olivia.messages]
    assert not any(nvr_simulator.password in text for text in texts), "the password stays"
    assert olivia.messages[-2].text == (
        "✅ Connected Shop NVR: DS-7616NXI-K2, firmware V4.62.210, 16 channels (16 online)."
    )
    card = olivia.last_message.text
    assert "🟢 Online" in card
    assert f"Connected: http://127.0.0.1:{nvr_simulator.port} as admin (DS-7616NXI-K2)" in card
    assert "Firmware: V4.62.210" in card and "Channels (16):" in card
    assert "🟢 1. Camera 01" in card
    assert olivia.last_message.buttons[1:4] == [
        ["📷 Live view", "🎞 Recordings"],
        ["🔄 Refresh from device", "🔌 Change connection"],
        ["✂️ Disconnect"],
    ]
    async with database.read() as session:
        (connection,) = await session.exec(select(DeviceConnection))
        channels = (await session.exec(select(Channel))).all()
    assert nvr_simulator.password.encode() not in connection.sealed_password
    assert nvr_simulator.password not in repr(connection)
    assert len(channels) == 16
    assert not any(nvr_simulator.password in record.getMessage() for record in caplog.records)


async def test_each_refusal_says_what_is_wrong_and_asks_again(
    telegram: Telegram, nvr_simulator: DeviceSimulator
) -> None:
    olivia = await started(telegram, "Olivia")
    await add_nvr(olivia, serial=NVR_SERIAL)
    await olivia.tap("🔌 Connect")

    await olivia.send("not an address!")
    assert olivia.last_message.text.startswith("That is not a host name or IP address I can use.")
    await olivia.send("169.254.169.254")
    assert "cloud's metadata service" in olivia.last_message.text
    await olivia.send("169.254.10.1:80")
    assert olivia.last_message.text.startswith("Link-local addresses")

    await olivia.send(f"127.0.0.1:{nvr_simulator.port}")
    await olivia.send("admin")
    await olivia.send("wrong-password")
    assert olivia.last_message.text == (
        "Shop NVR refused the user name or password. It allows 6 more attempts before it locks"
        " logins out. Send the password again, or /cancel."
    )
    assert nvr_simulator.failed_logins == 1
    await olivia.send(nvr_simulator.password)
    assert olivia.messages[-2].text.startswith("✅ Connected Shop NVR")


async def test_a_device_that_is_not_the_one_added_is_refused(
    telegram: Telegram, camera_simulator: DeviceSimulator
) -> None:
    olivia = await started(telegram, "Olivia")
    await add_nvr(olivia, serial=NVR_SERIAL)
    await connect(olivia, camera_simulator)
    assert olivia.last_message.text.startswith(
        "The device at that address has serial DS-2DE4425IW-DE20230101AAWRJ12345678, which does"
        " not end with K98765432, the serial you added."
    )
    assert "1/3" in olivia.last_message.text, "asks for the address again"


async def test_silence_garbage_and_closed_ports_are_told_apart(
    telegram: Telegram, nvr_simulator: DeviceSimulator, start_simulator: object
) -> None:
    olivia = await started(telegram, "Olivia")
    await add_nvr(olivia, serial=NVR_SERIAL)
    nvr_simulator.not_isapi = True
    await connect(olivia, nvr_simulator)
    assert "not a Hikvision device (ISAPI)" in olivia.last_message.text

    nvr_simulator.not_isapi = False
    port = nvr_simulator.port
    await nvr_simulator.go_away()
    await olivia.send(f"127.0.0.1:{port}")
    await olivia.send("admin")
    await olivia.send("whatever")
    assert olivia.last_message.text.startswith("Nothing answers at Shop NVR's address")


async def test_a_device_that_holds_the_request_times_out(
    telegram: Telegram, nvr_simulator: DeviceSimulator, settings: object
) -> None:
    olivia = await started(telegram, "Olivia")
    await add_nvr(olivia, serial=NVR_SERIAL)
    nvr_simulator.hold_requests()
    await connect(olivia, nvr_simulator)
    await nvr_simulator.release_requests()
    assert olivia.last_message.text.startswith("Shop NVR is not answering.")


async def test_a_locked_device_ends_the_wizard_with_the_wait(
    telegram: Telegram, nvr_simulator: DeviceSimulator, device_clock: ManualClock
) -> None:
    olivia = await started(telegram, "Olivia")
    await add_nvr(olivia, serial=NVR_SERIAL)
    await olivia.tap("🔌 Connect")
    await olivia.send(f"127.0.0.1:{nvr_simulator.port}")
    await olivia.send("admin")
    for _ in range(nvr_simulator.max_failed_logins):
        await olivia.send("wrong")
    assert olivia.last_message.text.startswith(
        "Shop NVR has locked logins out for about 10 minutes"
    )
    await olivia.send(nvr_simulator.password)
    assert "I'm not waiting" in olivia.last_message.text or "/" in olivia.last_message.text
    assert nvr_simulator.failed_logins == nvr_simulator.max_failed_logins


async def test_https_asks_about_the_certificate(
    telegram: Telegram, nvr_simulator: DeviceSimulator
) -> None:
    olivia = await started(telegram, "Olivia")
    await add_nvr(olivia, serial=NVR_SERIAL)
    await olivia.tap("🔌 Connect")
    await olivia.send(f"https://127.0.0.1:{nvr_simulator.port}")
    assert olivia.last_message.buttons == [
        ["Accept its own certificate"],
        ["Verify it as a browser does"],
    ]
    await olivia.send("admin")
    assert olivia.last_message.text == "Choose with the buttons above, or send /cancel."
    await olivia.tap("Accept its own certificate")
    assert "HTTPS, its own certificate accepted." in [m.text for m in olivia.messages]
    assert olivia.last_message.text.startswith("2/3")
    await olivia.send("admin")
    await olivia.send(nvr_simulator.password)
    # The simulator speaks plain HTTP: the TLS handshake fails, as with a wrong port.
    assert olivia.last_message.text.startswith("Nothing answers at Shop NVR's address")


async def test_refresh_reads_the_device_again_and_disconnect_forgets_it(
    telegram: Telegram, nvr_simulator: DeviceSimulator, database: Database
) -> None:
    olivia = await started(telegram, "Olivia")
    await owner_of_connected_nvr(olivia, nvr_simulator)
    nvr_simulator.device.channels[2].name = "Till"
    nvr_simulator.device.channels[3].online = False
    nvr_simulator.device.channels.pop()
    answer = await olivia.tap("🔄 Refresh from device")
    assert answer.text == "Read from the device: 15 channels"
    card = olivia.last_message.text
    assert "🟢 3. Till" in card and "🔴 4. Camera 04" in card and "Channels (15):" in card

    await olivia.tap("✂️ Disconnect")
    assert olivia.last_message.text.startswith("Disconnect Shop NVR?")
    await olivia.tap("✂️ Yes, disconnect")
    card = olivia.last_message.text
    assert "Not connected" in card and "127.0.0.1" not in card
    assert olivia.last_message.buttons[1] == ["🔌 Connect"]
    async with database.read() as session:
        assert (await session.exec(select(DeviceConnection))).first() is None


async def test_only_the_owner_connects(telegram: Telegram, nvr_simulator: DeviceSimulator) -> None:
    olivia = await started(telegram, "Olivia")
    await owner_of_connected_nvr(olivia, nvr_simulator)
    mallory = await started(telegram, "Mallory")
    device_id = 1
    for data in (f"dvc:{device_id}", f"dvf:{device_id}", f"dvdy:{device_id}"):
        answer = await mallory.forge_callback(data, message=mallory.last_message)
        assert (
            answer.text
            == "That device is not in your list any more. Send /devices to see your devices."
        )
    assert nvr_simulator.password not in str(mallory.messages)
