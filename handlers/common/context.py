"""The services handlers reach through `context.services`, created at start-up (bot.app)."""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseHandler, CallbackContext, ExtBot

from sharing.clock import Clock
from sharing.devices.alarms import Bursts
from sharing.devices.pool import DevicePool
from sharing.devices.probing import DriverFactory, Networks
from sharing.devices.secrets import PasswordSealer
from sharing.devices.watching import EventWatchers, Throttle
from sharing.people.mail import EmailSender
from sharing.people.readers import ReaderCache
from storage.database import Database

Handler = BaseHandler[Update, "CamShareContext", Any]
"""What each handlers module's `build_handlers()` returns."""


@dataclass
class Services:
    database: Database
    clock: Clock
    invite_ttl: timedelta
    devices: "DeviceServices"
    default_region: str | None = None
    email_sender: EmailSender | None = None
    """None when SMTP_URL or SMTP_FROM is not set: /email then says it is unavailable."""
    readers: ReaderCache = field(default_factory=ReaderCache)
    owed_lease: timedelta = timedelta(seconds=30)
    """How long the sender of an owed message holds it (sharing.people.person_outbox)."""
    group_news_lease: timedelta = timedelta(minutes=5)
    """How long a flush holds an installer group's news (sharing.groups.group_outbox)."""


@dataclass
class DeviceServices:
    """What connected devices need: the pool of drivers in use, a driver for a device being
    connected, the sealer of passwords, and the settings of the status job."""

    pool: DevicePool
    open_driver: DriverFactory
    sealer: PasswordSealer
    allowed_networks: Networks
    check_every: timedelta
    offline_grace: timedelta
    check_concurrency: int
    alarm_cooldown: timedelta
    clip_seconds: int
    heartbeats: Throttle = field(default_factory=Throttle)
    bursts: Bursts = field(default_factory=Bursts)
    watchers: EventWatchers | None = None
    """Set by the application factory, whose context the alarms need."""


class CamShareContext(
    CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]
):
    """`CallbackContext` with typed access to the services kept in `bot_data`."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        services: Services = self.bot_data["services"]
        return services
