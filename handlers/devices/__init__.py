"""My devices: `/adddevice`, `/devices` a page at a time, and the device card (Rename, Remove,
and the ways to share it)."""

from handlers.common.context import Handler


def build_handlers() -> list[Handler]:
    from handlers.devices import add_device, my_devices

    return [add_device.build_handler(), *my_devices.build_handlers()]
