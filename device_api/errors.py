"""What can go wrong when talking to a device, as types callers can tell apart.

Every error is a `DeviceError`. Messages name the device by host and port at most: they never
carry a user name, a password or a Digest header, so they are safe to log and to show.
"""

from enum import StrEnum


class DeviceError(Exception):
    """Any failure of a device operation."""


class DeviceUnreachable(DeviceError):
    """No conversation was possible: connection refused, name not found, TLS failed, hung up."""


class DeviceTimeout(DeviceError):
    """The device did not answer within the timeout."""


class WrongCredentials(DeviceError):
    """The device refused the user name or password (one failed login on its counter)."""

    def __init__(self, retries_left: int | None) -> None:
        left = "unknown" if retries_left is None else str(retries_left)
        super().__init__(f"the device refused the credentials ({left} attempts left)")
        self.retries_left = retries_left


class DeviceLockedOut(DeviceError):
    """Too many failed logins: the device refuses everyone until it unlocks itself.

    While this lasts the driver does not call the device at all, because every further
    attempt would be another failure (and some firmware restarts the lock time).
    """

    def __init__(self, unlock_in_seconds: int | None) -> None:
        when = "at an unknown time" if unlock_in_seconds is None else f"in {unlock_in_seconds} s"
        super().__init__(f"the device locked logins out; it unlocks {when}")
        self.unlock_in_seconds = unlock_in_seconds


class NotIsapi(DeviceError):
    """Something answers HTTP at the address, but not a device speaking ISAPI."""


class DeviceRefused(DeviceError):
    """The device understood the request and said no.

    `status_code` is the ISAPI `ResponseStatus/statusCode` (2 busy, 3 device error, 4 invalid
    operation, 6 invalid content...) or, without one, the HTTP status (403: no such channel, or
    not permitted); `sub_status` is the device's `subStatusCode` reason when it gave one.
    """

    def __init__(self, status_code: int, sub_status: str | None, *, http_status: int) -> None:
        reason = f" ({sub_status})" if sub_status else ""
        super().__init__(
            f"the device refused the request: status {status_code}{reason}, HTTP {http_status}"
        )
        self.status_code = status_code
        self.sub_status = sub_status
        self.http_status = http_status


class NotSupported(DeviceError):
    """The device does not have this function (HTTP 404, or `subStatusCode` notSupport)."""


class ResponseTooLarge(DeviceError):
    """The answer was longer than the driver agreed to read."""


class AddressReason(StrEnum):
    """Why an address given for a device is not one the product will connect to."""

    BAD_PORT = "bad_port"
    BAD_HOST = "bad_host"
    UNRESOLVABLE = "unresolvable"
    LINK_LOCAL = "link_local"
    CLOUD_METADATA = "cloud_metadata"
    NOT_A_HOST = "not_a_host"  # unspecified, multicast, broadcast: never a device
    OUTSIDE_ALLOWED_NETWORKS = "outside_allowed_networks"


class AddressRefused(DeviceError):
    """The device address is refused before any connection is made."""

    def __init__(self, reason: AddressReason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
