"""One wizard at a time per chat: the `Wizard` conversations and the guard that keeps them apart.

Every conversation of the bot is a `Wizard`: a PTB `ConversationHandler` that also knows how it
is called in a sentence ("/adddevice"), what each of its steps waits for, and which drafts it
keeps in `user_data`. `WizardGuard` runs in a handler group before every other one and knows all
the wizards the application registers (bot.app hands it the list). For an update in a private
chat while a wizard waits there:

- what that wizard's current step (or its /cancel) takes goes to that wizard and to nothing
  else, whatever the order of the other handlers: a typed answer, a contact, a picked user;
- a command, or what starts a wizard (its command, or a button such as Share on a device card),
  first ends the waiting wizard, with one line saying so and nothing stored, and then goes on to
  its own handler as if no wizard had waited; a wizard's own command so starts it over;
- any other message (a sticker, a location, a file, a contact at a step that takes none) is
  answered with what the step waits for, and the wizard stays where it was;
- any other tap (a list page, Accept on a prompt) goes on as usual and leaves the wizard waiting.

PTB has no public API to read or end a conversation from outside. We read the state with the
handler's `_conversations` mapping (`state_of`, the one private name used; PTB's own persistence
reads the same mapping, and pyproject.toml bounds PTB's version) and end a conversation through
its public `handle_update`, with a check result that names the wizard's own leaving handler: the
path a /cancel fallback takes, so PTB itself removes the timeout job, drops the state and tells
persistence. Ending it by deleting the key, or by calling `_update_state`, would skip the timeout
job and depend on two private names instead of one.
"""

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, cast

from telegram import Message, ReplyKeyboardRemove, Update
from telegram.constants import ChatType
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseHandler,
    ConversationHandler,
    TypeHandler,
    filters,
)

from handlers.common.cancel import DRAFTS_KEY
from handlers.common.context import CamShareContext
from languages import N_, _

ConversationKey = tuple[int | str, ...]
AnyApplication = Application[Any, CamShareContext, Any, Any, Any, Any]

_KINDS: tuple[tuple[str, str], ...] = (
    # Order matters where Telegram fills two fields: a venue has a location, a GIF a document.
    ("sticker", N_("a sticker")),
    ("venue", N_("a place")),
    ("location", N_("a location")),
    ("voice", N_("a voice note")),
    ("video_note", N_("a video message")),
    ("animation", N_("a GIF")),
    ("video", N_("a video")),
    ("audio", N_("an audio file")),
    ("photo", N_("a photo")),
    ("document", N_("a file")),
    ("dice", N_("a dice")),
    ("contact", N_("a contact")),
    ("poll", N_("a poll")),
    ("users_shared", N_("a chosen user")),
    ("chat_shared", N_("a chosen chat")),
    ("text", N_("a message")),
)


def what_was_sent(message: Message) -> str:
    """What a message is, as a user would say it: "a sticker", "a contact"."""
    for field, words in _KINDS:
        if getattr(message, field, None):
            return _(words)
    return _("that message")


class Wizard(ConversationHandler[CamShareContext]):
    """A conversation, with what `WizardGuard` needs to end it and to answer for it.

    `title` completes "Left ...: nothing was saved." (`/adddevice`, `renaming a device`), unless
    `draft_title` names what the draft is about ("the review of Rita's application");
    `waiting_for` completes "I'm waiting for ..." for each state. Both are made when the
    handlers are built, once for every reader: they are English marked with `N_()`, and said in
    the reader's language here (a command title such as "/share" stays as it is). `drafts` are
    the keys under `user_data[DRAFTS_KEY]` that the wizard fills and that leaving drops (its
    name by default); `on_leave` runs first when the guard ends the wizard, while the drafts
    are still there (the share wizard puts an application's message back). Every other
    argument is ConversationHandler's.
    """

    __slots__ = ("draft_title", "drafts", "leaving", "on_leave", "title", "waiting_for")

    def __init__(
        self,
        *,
        title: str,
        waiting_for: Mapping[object, str],
        drafts: Sequence[str] = (),
        draft_title: Callable[[CamShareContext], str | None] | None = None,
        on_leave: Callable[[Update, CamShareContext], Awaitable[None]] | None = None,
        **conversation: Any,
    ) -> None:
        # Persistent: bot.persistence keeps where each user waits across restarts.
        super().__init__(persistent=True, **conversation)
        if self.per_message or not (self.per_chat and self.per_user):
            raise ValueError("a Wizard is kept per chat and user, as WizardGuard expects")
        if missing := set(self.states) - {ConversationHandler.TIMEOUT} - set(waiting_for):
            raise ValueError(f"{self.name}: say what the states {missing} wait for")
        self.title = title
        self.draft_title = draft_title
        self.on_leave = on_leave
        self.waiting_for = dict(waiting_for)
        self.drafts = tuple(drafts) or (str(self.name),)
        self.leaving: BaseHandler[Update, CamShareContext, object] = TypeHandler(
            Update, self._leave
        )

    async def _leave(self, update: Update, context: CamShareContext) -> int:
        """Run by `WizardGuard` as the wizard's own handler, so PTB ends the conversation."""
        line = self._leaving_line(update, context)
        if self.on_leave is not None:
            await self.on_leave(update, context)
        drafts = context.user_data.get(DRAFTS_KEY, {}) if context.user_data is not None else {}
        for key in self.drafts:
            drafts.pop(key, None)
        assert update.effective_chat
        # A step may have shown a reply keyboard (the user picker, the phone button): it goes too.
        await context.bot.send_message(
            update.effective_chat.id, line, reply_markup=ReplyKeyboardRemove()
        )
        return ConversationHandler.END

    def _leaving_line(self, update: Update, context: CamShareContext) -> str:
        if about := self.draft_title and self.draft_title(context):
            return _("Left {wizard}: nothing was saved.").format(wizard=about)
        restarting = any(entry.check_update(update) for entry in self.entry_points)
        if restarting and self.title.startswith("/"):  # "Starting /share over", not a rename
            return _("Starting {command} over: nothing was saved.").format(command=self.title)
        return _("Left {wizard}: nothing was saved.").format(wizard=self._title())

    def _title(self) -> str:
        return self.title if self.title.startswith("/") else _(self.title)

    def refusal(self, message: Message, state: object) -> str:
        """The answer to a message this wizard's step does not take."""
        answer = _("That's {sent}; I'm waiting for {expected}. Send /cancel to stop.").format(
            sent=what_was_sent(message), expected=_(self.waiting_for[state])
        )
        contact, sender = message.contact, message.from_user
        if contact and sender and contact.user_id == sender.id:
            # The phone button of /start or /myaccount, tapped while a wizard waits.
            answer += " " + _("To verify your phone number, use /myaccount after this.")
        return answer


def state_of(wizard: ConversationHandler[Any], key: ConversationKey) -> object | None:
    """The wizard's state for this chat and user, None when it is not waiting there."""
    conversations: Mapping[ConversationKey, object] = wizard._conversations
    return conversations.get(key)


def conversation_key(update: Update) -> ConversationKey | None:
    """PTB's key for a conversation kept per chat and per user (the default, and every Wizard's)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != ChatType.PRIVATE:
        return None
    return (chat.id, user.id)


class WizardGuard(BaseHandler[Update, CamShareContext, None]):
    """Registered in a group before all others: see the module's docstring."""

    __slots__ = ("wizards",)

    def __init__(self, wizards: Iterable[Wizard]) -> None:
        super().__init__(self._route)
        self.wizards = tuple(wizards)

    def check_update(self, update: object) -> ConversationKey | None:
        """Cheap, as it runs for every update: only while some wizard waits in this chat."""
        if not isinstance(update, Update) or not (update.message or update.callback_query):
            return None
        key = conversation_key(update)
        if key is None or not any(state_of(wizard, key) is not None for wizard in self.wizards):
            return None
        return key

    async def _route(self, update: Update, context: CamShareContext) -> None:
        key = conversation_key(update)
        assert key is not None
        application = cast(AnyApplication, context.application)
        waiting = [
            (wizard, state)
            for wizard in self.wizards
            if (state := state_of(wizard, key)) is not None
        ]
        for wizard, __ in waiting:
            check = wizard.check_update(update)
            if check is not None and check[2] not in wizard.entry_points:
                await wizard.handle_update(update, application, check, context)
                raise ApplicationHandlerStop
        if self._starts_something(update):
            for wizard, state in waiting:
                # The path a /cancel fallback takes, with the wizard's own leaving handler.
                await wizard.handle_update(
                    update, application, (state, key, wizard.leaving, None), context
                )
            return
        if update.message is not None:
            wizard, state = waiting[-1]
            await update.message.reply_text(wizard.refusal(update.message, state))
            raise ApplicationHandlerStop

    def _starts_something(self, update: Update) -> bool:
        if filters.COMMAND.check_update(update):
            return True
        return any(
            entry.check_update(update) for wizard in self.wizards for entry in wizard.entry_points
        )


def wizards_in(handlers: Iterable[BaseHandler[Any, Any, Any]]) -> list[Wizard]:
    """The wizards among the handlers. Every conversation must be one: the guard would miss it."""
    found = []
    for handler in handlers:
        if isinstance(handler, Wizard):
            found.append(handler)
        elif isinstance(handler, ConversationHandler):
            raise TypeError(f"conversation {handler.name!r} is not a Wizard")
    return found
