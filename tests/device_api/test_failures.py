"""How a device fails, as typed errors: credentials, the lock-out, silence, strangers, absence."""

import pytest

from device_api import (
    Credentials,
    DeviceError,
    DeviceLockedOut,
    DeviceTimeout,
    DeviceUnreachable,
    NotIsapi,
    WrongCredentials,
)
from tests.device_api.conftest import DriverFor
from tests.device_simulator import DeviceSimulator, ManualClock

WRONG = Credentials("admin", "not-the-password-1234")


async def test_a_wrong_password_costs_one_failed_login_per_call(
    camera_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    driver = driver_for(camera_simulator, credentials=WRONG)

    for expected_left in (6, 5, 4):
        with pytest.raises(WrongCredentials) as refused:
            await driver.device_info()
        assert refused.value.retries_left == expected_left
        assert camera_simulator.failed_logins == 7 - expected_left

    assert not any(record.authenticated for record in camera_simulator.requests)


async def test_a_password_changed_on_the_device_costs_one_failed_login(
    camera_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    driver = driver_for(camera_simulator)
    await driver.device_info()  # the driver now signs requests ahead of any challenge
    camera_simulator.password = "changed-by-the-installer"

    with pytest.raises(WrongCredentials):
        await driver.device_info()

    assert camera_simulator.failed_logins == 1


async def test_after_a_lock_out_the_device_is_left_alone_until_it_unlocks(
    camera_simulator: DeviceSimulator, driver_for: DriverFor, device_clock: ManualClock
) -> None:
    driver = driver_for(camera_simulator, credentials=WRONG)
    for _ in range(6):
        with pytest.raises(WrongCredentials):
            await driver.device_info()

    with pytest.raises(DeviceLockedOut) as locked:  # the seventh failure locks
        await driver.device_info()
    assert locked.value.unlock_in_seconds == 600
    requests_so_far = len(camera_simulator.requests)

    device_clock.advance(599)
    with pytest.raises(DeviceLockedOut) as still_locked:
        await driver.snapshot(1)
    assert still_locked.value.unlock_in_seconds == 1
    assert len(camera_simulator.requests) == requests_so_far  # the device heard nothing
    assert camera_simulator.failed_logins == 7

    device_clock.advance(1)
    with pytest.raises(WrongCredentials) as again:
        await driver.device_info()
    assert again.value.retries_left == 6
    assert camera_simulator.failed_logins == 8


async def test_a_locked_device_refuses_even_the_right_password(
    camera_simulator: DeviceSimulator, driver_for: DriverFor, device_clock: ManualClock
) -> None:
    intruder = driver_for(camera_simulator, credentials=WRONG)
    for _ in range(6):
        with pytest.raises(WrongCredentials):
            await intruder.device_info()
    with pytest.raises(DeviceLockedOut):
        await intruder.device_info()
    owner = driver_for(camera_simulator)

    with pytest.raises(DeviceLockedOut):
        await owner.device_info()

    device_clock.advance(600)
    assert (await owner.device_info()).device_type == "IPDome"


async def test_a_device_that_does_not_answer_times_out(
    camera_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    camera_simulator.hold_requests()  # accepted, never answered until released

    with pytest.raises(DeviceTimeout):
        await driver_for(camera_simulator, timeout=0.2).device_info()

    assert camera_simulator.in_flight == 1  # it did reach the device


async def test_a_web_page_is_not_isapi(
    camera_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    camera_simulator.not_isapi = True
    driver = driver_for(camera_simulator)

    with pytest.raises(NotIsapi):
        await driver.device_info()
    with pytest.raises(NotIsapi):
        await driver.snapshot(1)


async def test_a_closed_port_is_unreachable(
    camera_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    driver = driver_for(camera_simulator)
    await driver.device_info()

    await camera_simulator.go_away()

    with pytest.raises(DeviceUnreachable):
        await driver.device_info()


async def test_the_password_shows_nowhere(
    camera_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    secret = WRONG.password
    assert secret not in repr(WRONG)
    assert secret not in str(WRONG)
    assert "admin" in repr(WRONG)

    driver = driver_for(camera_simulator, credentials=WRONG)
    errors: list[DeviceError] = []
    for _ in range(7):  # six wrong passwords, then the lock
        with pytest.raises(DeviceError) as caught:
            await driver.device_info()
        errors.append(caught.value)
    await camera_simulator.go_away()
    with pytest.raises(DeviceError) as gone:
        await driver_for(camera_simulator, credentials=WRONG).device_info()
    errors.append(gone.value)

    assert [type(error) for error in errors] == [WrongCredentials] * 6 + [
        DeviceLockedOut,
        DeviceUnreachable,
    ]
    for error in errors:
        assert secret not in str(error) and secret not in repr(error)
        assert secret not in str(error.__cause__)
