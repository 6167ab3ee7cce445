"""The device protocol: how CamShare talks to the owners' cameras, NVRs and DVRs.

Callers depend on `DeviceDriver` and its results and errors only; `IsapiDriver` implements it
for Hikvision's ISAPI, and a driver for another protocol (ONVIF) can sit beside it. Before
connecting to an address an owner typed in, `check_address` says whether it may be used.
This package imports nothing else of CamShare's.
"""

from device_api.addresses import check_address
from device_api.driver import Alerts, Credentials, DeviceDriver, Download, Endpoint
from device_api.errors import (
    AddressReason,
    AddressRefused,
    DeviceError,
    DeviceLockedOut,
    DeviceRefused,
    DeviceTimeout,
    DeviceUnreachable,
    NotIsapi,
    NotSupported,
    ResponseTooLarge,
    WrongCredentials,
)
from device_api.events import DeviceEvent, EventKind, Heartbeat
from device_api.isapi import IsapiDriver
from device_api.recording_search import RecordingSearch
from device_api.results import Channel, DeviceInfo, Preset, Recording

__all__ = [
    "AddressReason",
    "AddressRefused",
    "Alerts",
    "Channel",
    "Credentials",
    "DeviceDriver",
    "DeviceError",
    "DeviceEvent",
    "DeviceInfo",
    "DeviceLockedOut",
    "DeviceRefused",
    "DeviceTimeout",
    "DeviceUnreachable",
    "Download",
    "Endpoint",
    "EventKind",
    "Heartbeat",
    "IsapiDriver",
    "NotIsapi",
    "NotSupported",
    "Preset",
    "Recording",
    "RecordingSearch",
    "ResponseTooLarge",
    "WrongCredentials",
    "check_address",
]
