"""The ISAPI driver: Hikvision's HTTP protocol for cameras, NVRs and DVRs."""

from device_api.isapi.driver import IsapiDriver

__all__ = ["IsapiDriver"]
