"""My devices: `/adddevice`, `/devices` a page at a time, the device card (Rename, Remove, the
ways to share it), connecting a device over its own network API (🔌 Connect, Refresh,
Disconnect), 📷 Live view with PTZ and 🎞 Recordings for whoever holds them on a channel
(R13)."""

from handlers.common.context import Handler


def build_handlers() -> list[Handler]:
    from handlers.devices import add_device, alarms, connect, live_view, my_devices, playback

    return [
        add_device.build_handler(),
        connect.build_handler(),
        playback.build_day_handler(),
        *my_devices.build_handlers(),
        *connect.build_handlers(),
        *live_view.build_handlers(),
        *playback.build_handlers(),
        *alarms.build_handlers(),
    ]
