"""The offline Telegram harness: a demo bot driven through the real Application, and each of
Telegram's refusals that the fake Bot API reproduces."""

import asyncio
import json
from io import BytesIO

import pytest
import qrcode
import zxingcpp
from PIL import Image
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    KeyboardButtonRequestUsers,
    MenuButtonCommands,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from tests.clock import FakeClock
from tests.harness import FakeBotApi, Telegram
from tests.harness.bot_api import Clock
from tests.harness.fixtures import ApplicationFactory
from tests.harness.users import AnyApplication

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"
DEEP_LINK = "https://t.me/CamShareBot?start=abc"
COMMANDS = [BotCommand("start", "Start counting"), BotCommand("phone", "Share your phone number")]
Context = ContextTypes.DEFAULT_TYPE


# The demo bot: a counter edited in place, a reply keyboard, photos both ways, a group greeting.


def counter_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("+1", callback_data="up"),
                InlineKeyboardButton("Refresh", callback_data="refresh"),
            ],
            [InlineKeyboardButton("Silent", callback_data="silent")],
        ]
    )


async def start(update: Update, context: Context) -> None:
    assert update.effective_message
    await update.effective_message.reply_text("Count: 0", reply_markup=counter_keyboard())


async def count_up(update: Update, context: Context) -> None:
    assert update.callback_query and context.user_data is not None
    await update.callback_query.answer("Counted")
    context.user_data["count"] = context.user_data.get("count", 0) + 1
    await update.callback_query.edit_message_text(
        f"Count: {context.user_data['count']}", reply_markup=counter_keyboard()
    )


async def refresh(update: Update, context: Context) -> None:
    """Re-renders the screen as it is: Telegram refuses an edit that changes nothing."""
    assert update.callback_query and context.user_data is not None
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        f"Count: {context.user_data.get('count', 0)}", reply_markup=counter_keyboard()
    )


async def forget_to_answer(update: Update, context: Context) -> None:
    pass


async def refuse_unknown_button(update: Update, context: Context) -> None:
    assert update.callback_query
    await update.callback_query.answer("That button is not mine", show_alert=True)


async def ask_phone(update: Update, context: Context) -> None:
    assert update.effective_message
    keyboard = ReplyKeyboardMarkup(
        [
            [KeyboardButton("Share my phone", request_contact=True)],
            [
                KeyboardButton(
                    "Pick a friend", request_users=KeyboardButtonRequestUsers(1, request_name=True)
                )
            ],
        ],
        one_time_keyboard=True,
    )
    await update.effective_message.reply_text("Your phone, or a friend?", reply_markup=keyboard)


async def receive_contact(update: Update, context: Context) -> None:
    assert update.message and update.message.contact and update.effective_user
    contact = update.message.contact
    whose = "Your" if contact.user_id == update.effective_user.id else "Their"
    await update.message.reply_text(
        f"{whose} number: {contact.phone_number}", reply_markup=ReplyKeyboardRemove()
    )


async def receive_users(update: Update, context: Context) -> None:
    assert update.message and update.message.users_shared
    names = ", ".join(str(user.first_name) for user in update.message.users_shared.users)
    await update.message.reply_text(f"Picked: {names}")


async def receive_photo(update: Update, context: Context) -> None:
    assert update.message
    photo = await update.message.photo[-1].get_file()
    content = await photo.download_as_bytearray()
    await update.message.reply_text(f"Got {len(content)} bytes")


async def send_qr_code(update: Update, context: Context) -> None:
    assert update.message
    image = BytesIO()
    qrcode.make(DEEP_LINK).save(image, format="PNG")
    await update.message.reply_photo(image.getvalue(), caption="Scan me")


async def poke(update: Update, context: Context) -> None:
    """`/poke <user id>`: writes to someone else, who may have blocked the bot."""
    assert update.message and update.effective_user and context.args
    await context.bot.send_message(
        int(context.args[0]), f"{update.effective_user.first_name} pokes you"
    )
    await update.message.reply_text("Poked")


async def greet_group(update: Update, context: Context) -> None:
    assert update.my_chat_member and update.effective_chat
    status = update.my_chat_member.new_chat_member.status
    context.bot_data.setdefault("statuses", []).append(status)
    joined = status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR)
    if joined and update.effective_chat.type != ChatType.PRIVATE:
        await update.effective_chat.send_message("Hello, group")


async def echo(update: Update, context: Context) -> None:
    assert update.message and update.message.text
    await update.message.reply_text(update.message.text)


async def remember_error(update: object, context: Context) -> None:
    context.bot_data.setdefault("errors", []).append(context.error)


async def register_commands(application: AnyApplication) -> None:
    await application.bot.set_my_commands(COMMANDS)


def build_demo_application(*, request: BaseRequest, clock: Clock) -> AnyApplication:
    """Built the way `bot.app.build_application` is: the fake request is the only network."""
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(request)
        .get_updates_request(request)
        .post_init(register_commands)
        .build()
    )
    application.add_handlers(
        [
            CommandHandler("start", start),
            CommandHandler("phone", ask_phone),
            CommandHandler("qr", send_qr_code),
            CommandHandler("poke", poke),
            CallbackQueryHandler(count_up, pattern="^up$"),
            CallbackQueryHandler(refresh, pattern="^refresh$"),
            CallbackQueryHandler(forget_to_answer, pattern="^silent$"),
            CallbackQueryHandler(refuse_unknown_button),
            ChatMemberHandler(greet_group, ChatMemberHandler.MY_CHAT_MEMBER),
            MessageHandler(filters.CONTACT, receive_contact),
            MessageHandler(filters.StatusUpdate.USERS_SHARED, receive_users),
            MessageHandler(filters.PHOTO, receive_photo),
            MessageHandler(filters.TEXT & ~filters.COMMAND, echo),
        ]
    )
    application.add_error_handler(remember_error)
    return application


@pytest.fixture
def application_factory() -> ApplicationFactory:
    return build_demo_application


def errors_of(telegram: Telegram) -> list[Exception]:
    errors: list[Exception] = telegram.application.bot_data.get("errors", [])
    return errors


def png(width: int = 8, height: int = 8) -> bytes:
    image = BytesIO()
    Image.new("RGB", (width, height), "white").save(image, format="PNG")
    return image.getvalue()


# A conversation, end to end.


@pytest.mark.usefixtures("application")
async def test_commands_are_registered_at_start_up(bot_api: FakeBotApi) -> None:
    assert bot_api.bot_commands() == [(c.command, c.description) for c in COMMANDS]


async def test_a_tap_edits_the_message_in_place_and_is_answered(
    telegram: Telegram, clock: FakeClock
) -> None:
    alice = telegram.user("Alice")

    await alice.send("/start")
    counter = alice.last_message
    assert counter.text == "Count: 0"
    assert counter.buttons == [["+1", "Refresh"], ["Silent"]]

    clock.advance(minutes=1)
    answer = await alice.tap("+1")

    assert answer.text == "Counted" and not answer.show_alert
    assert alice.callback_answers == [answer]
    assert alice.messages == [counter]
    assert counter.text == "Count: 1"
    assert [version.text for version in counter.history] == ["Count: 0"]
    assert counter.edit_date == clock()


async def test_free_text_is_echoed(telegram: Telegram) -> None:
    alice = telegram.user("Alice")

    await alice.send("a < b & c")

    assert alice.last_message.text == "a < b & c"


async def test_a_forged_callback_reaches_the_bot(telegram: Telegram) -> None:
    alice = telegram.user("Alice")
    await alice.send("/start")

    answer = await alice.forge_callback("adm:drop_table")

    assert answer.text == "That button is not mine" and answer.show_alert


async def test_a_tap_the_bot_leaves_unanswered_fails_the_test(telegram: Telegram) -> None:
    alice = telegram.user("Alice")
    await alice.send("/start")

    with pytest.raises(AssertionError, match="did not answer the callback query 'silent'"):
        await alice.tap("Silent")


async def test_a_double_tap_that_changes_nothing_is_refused_as_not_modified(
    telegram: Telegram, bot_api: FakeBotApi
) -> None:
    alice = telegram.user("Alice")
    await alice.send("/start")

    with pytest.raises(AssertionError, match="editMessageText changed nothing"):
        await alice.tap("Refresh")  # the test fails: the bot should not have made that call

    [error] = errors_of(telegram)
    assert isinstance(error, BadRequest)
    assert error.message.startswith("Message is not modified: specified new message content")
    assert bot_api.refusals[-1].method == "editMessageText"


async def test_own_contact_from_the_reply_keyboard(telegram: Telegram) -> None:
    alice = telegram.user("Alice", phone_number="+447700900123")
    await alice.send("/phone")
    assert alice.reply_keyboard == [["Share my phone"], ["Pick a friend"]]

    await alice.tap_reply_button("Share my phone")

    assert alice.last_message.text == "Your number: +447700900123"
    assert alice.reply_keyboard is None


async def test_someone_elses_contact_and_a_forwarded_one(telegram: Telegram) -> None:
    alice, bob = telegram.user("Alice"), telegram.user("Bob")

    await alice.share_contact("+447700900456", user_id=bob.id)
    assert alice.last_message.text == "Their number: +447700900456"

    await alice.forward_contact("+447700900789", forwarded_from=bob)
    assert alice.last_message.text == "Their number: +447700900789"


async def test_users_picked_with_the_user_picker(telegram: Telegram) -> None:
    alice, bob = telegram.user("Alice"), telegram.user("Bob")
    await alice.send("/phone")

    await alice.tap_reply_button("Pick a friend", pick=[bob])

    assert alice.last_message.text == "Picked: Bob"


async def test_a_photo_the_user_sends_can_be_downloaded_by_the_bot(telegram: Telegram) -> None:
    alice = telegram.user("Alice")
    image = png()

    await alice.send_photo(image)

    assert alice.last_message.text == f"Got {len(image)} bytes"


async def test_a_photo_the_bot_sends_keeps_its_bytes(telegram: Telegram) -> None:
    alice = telegram.user("Alice")

    await alice.send("/qr")

    photo = alice.last_message.photo
    assert photo is not None and alice.last_message.caption == "Scan me"
    [code] = zxingcpp.read_barcodes(Image.open(BytesIO(photo.content)))
    assert code.text == DEEP_LINK


async def test_the_bot_added_to_a_group_and_removed(
    telegram: Telegram, application: AnyApplication
) -> None:
    alice = telegram.user("Alice")
    group = telegram.group("Installers", creator=alice)

    await group.add_bot(by=alice)
    assert group.last_message.text == "Hello, group"

    await alice.send("/start", chat=group)
    assert group.last_message.text == "Count: 0"
    await alice.tap("+1", chat=group)
    assert group.last_message.text == "Count: 1"

    await group.remove_bot(by=alice)
    assert application.bot_data["statuses"] == ["member", "left"]
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await application.bot.send_message(group.id, "Still here?")


async def test_chats_and_members_as_the_bot_looks_them_up(
    telegram: Telegram, application: AnyApplication
) -> None:
    alice, bob = telegram.user("Alice"), telegram.user("Bob")
    group = telegram.group("Installers", creator=alice, supergroup=True)
    await group.add_bot(by=alice, administrator=True)
    await bob.send("Hi all", chat=group)  # the echo quotes Bob's message
    bot = application.bot

    chat = await bot.get_chat(group.id)
    member = await bot.get_chat_member(group.id, bob.id)
    administrators = await bot.get_chat_administrators(group.id)

    assert (chat.type, chat.title) == ("supergroup", "Installers")
    assert member.status == "member"
    assert {(admin.user.id, admin.status) for admin in administrators} == {
        (alice.id, "creator"),
        (bot.id, "administrator"),
    }
    assert group.last_message.text == "Hi all"
    assert await bot.set_chat_menu_button(menu_button=MenuButtonCommands())


async def test_members_promoted_and_gone_as_getchatmember_tells(
    telegram: Telegram, application: AnyApplication
) -> None:
    alice, bob = telegram.user("Alice"), telegram.user("Bob")
    group = telegram.group("Installers", creator=alice)
    await group.add_bot(by=alice)
    await bob.send("Hi all", chat=group)
    bot = application.bot

    group.promote(bob)
    assert (await bot.get_chat_member(group.id, bob.id)).status == "administrator"
    group.leave(bob)
    assert (await bot.get_chat_member(group.id, bob.id)).status == "left"

    await group.remove_bot(by=alice, ban=True)
    assert application.bot_data["statuses"] == ["member", "kicked"]
    with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
        await bot.send_message(group.id, "Still here?")


async def test_a_group_upgraded_to_a_supergroup(
    telegram: Telegram, application: AnyApplication, bot_api: FakeBotApi
) -> None:
    alice = telegram.user("Alice")
    group = telegram.group("Installers", creator=alice)
    await group.add_bot(by=alice)
    old_id = group.id

    await group.upgrade_to_supergroup(by=alice)

    assert group.id != old_id and group.chat.type == "supergroup"
    old_chat, new_chat = bot_api.chats[old_id], bot_api.chats[group.id]
    assert [m.extra for m in old_chat.messages.values() if not m.from_bot] == [
        {"migrate_to_chat_id": group.id}
    ]
    assert [m.extra for m in new_chat.messages.values()] == [{"migrate_from_chat_id": old_id}]
    with pytest.raises(ChatMigrated) as migrated:
        await application.bot.send_message(old_id, "Anyone?")
    assert migrated.value.new_chat_id == group.id
    await application.bot.send_message(group.id, "Hello, supergroup")
    assert group.last_message.text == "Hello, supergroup"


async def test_documents_and_their_captions(application: AnyApplication, alice_chat: int) -> None:
    bot = application.bot
    sent = await bot.send_document(alice_chat, b"1,Door\n", filename="channels.csv", caption="v1")
    text = await bot.send_message(alice_chat, "No caption here")

    edited = await bot.edit_message_caption(alice_chat, sent.message_id, caption="v2")
    with pytest.raises(BadRequest, match="There is no caption in the message to edit"):
        await bot.edit_message_caption(alice_chat, text.message_id, caption="v2")

    assert edited.caption == "v2"
    assert sent.document and sent.document.file_name == "channels.csv"
    document = await bot.get_file(sent.document.file_id)
    assert await document.download_as_bytearray() == b"1,Door\n"


# What Telegram refuses, reproduced.


async def test_a_user_who_blocked_the_bot_makes_it_raise_forbidden(telegram: Telegram) -> None:
    alice, bob = telegram.user("Alice"), telegram.user("Bob")
    await bob.send("/start")
    await bob.block_bot()

    await alice.send(f"/poke {bob.id}")

    [error] = errors_of(telegram)
    assert isinstance(error, Forbidden)
    assert error.message == "Forbidden: bot was blocked by the user"
    assert telegram.application.bot_data["statuses"] == ["kicked"]


async def test_the_bot_cannot_write_first_or_to_an_unknown_chat(
    telegram: Telegram, application: AnyApplication
) -> None:
    stranger = telegram.user("Stranger")

    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await application.bot.send_message(stranger.id, "Hello")
    with pytest.raises(BadRequest, match="Chat not found"):
        await application.bot.send_message(42, "Hello")


@pytest.fixture
async def alice_chat(telegram: Telegram) -> int:
    """The id of a private chat the bot may write to."""
    alice = telegram.user("Alice")
    await alice.send("hello")
    return alice.id


async def test_text_up_to_4096_characters_after_parsing(
    application: AnyApplication, alice_chat: int
) -> None:
    bot = application.bot
    await bot.send_message(alice_chat, "a" * 4096)
    await bot.send_message(alice_chat, f"<b>{'&lt;' * 4096}</b>", parse_mode=ParseMode.HTML)

    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(alice_chat, "a" * 4097)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(alice_chat, "<b> </b>", parse_mode=ParseMode.HTML)


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>bold</i>", 'Unmatched end tag at byte offset 7, expected "</b>", found "</i>"'),
        ("<blink>x</blink>", 'Unsupported start tag "blink" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("Tom & Jerry", "Character '&' at byte offset 4 must be escaped as &amp;"),
        ("&nbsp;", "Character '&' at byte offset 0 must be escaped"),
        ('<span class="x">x</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("<a href='x'>x", "Can't find end tag"),
    ],
)
async def test_broken_html_is_refused(
    application: AnyApplication,
    bot_api: FakeBotApi,
    alice_chat: int,
    html: str,
    reason: str,
) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities: "):
        await application.bot.send_message(alice_chat, html, parse_mode=ParseMode.HTML)

    refusal = bot_api.refusals[-1].error
    assert refusal is not None
    assert refusal.startswith(f"Bad Request: can't parse entities: {reason}")


async def test_every_supported_tag_parses(application: AnyApplication, alice_chat: int) -> None:
    html = (
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike>"
        '<del>d</del><span class="tg-spoiler">p</span><tg-spoiler>t</tg-spoiler>'
        '<a href="https://example.com/?a=1&amp;b=2">a</a><code>c</code>'
        '<pre><code class="language-python">x</code></pre><blockquote expandable>q</blockquote>'
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> &lt;&gt;&amp;&quot;&#39;&#x27;'
    )

    sent = await application.bot.send_message(alice_chat, html, parse_mode=ParseMode.HTML)

    assert sent.text == "bsieunskdptacxq👍 <>&\"''"
    assert sent.text_html.startswith("<b>b</b><b>s</b><i>i</i>")


async def test_callback_data_is_1_to_64_bytes(application: AnyApplication, alice_chat: int) -> None:
    def keyboard(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup.from_button(InlineKeyboardButton("Tap", callback_data=data))

    await application.bot.send_message(alice_chat, "ok", reply_markup=keyboard("é" * 32))

    for data in ("x" * 65, "é" * 32 + "x", ""):
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await application.bot.send_message(alice_chat, "no", reply_markup=keyboard(data))


async def test_at_most_100_buttons(application: AnyApplication, alice_chat: int) -> None:
    def keyboard(count: int) -> InlineKeyboardMarkup:
        rows = [[InlineKeyboardButton(str(n), callback_data=str(n))] for n in range(count)]
        return InlineKeyboardMarkup(rows)

    await application.bot.send_message(alice_chat, "ok", reply_markup=keyboard(100))

    with pytest.raises(BadRequest, match="Reply markup is too long"):
        await application.bot.send_message(alice_chat, "no", reply_markup=keyboard(101))


async def test_caption_up_to_1024_characters(application: AnyApplication, alice_chat: int) -> None:
    await application.bot.send_photo(alice_chat, png(), caption="c" * 1024)

    with pytest.raises(BadRequest, match="Message caption is too long"):
        await application.bot.send_photo(alice_chat, png(), caption="c" * 1025)
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await application.bot.send_photo(alice_chat, b"not an image")


async def test_edits_that_change_nothing_or_find_nothing(
    application: AnyApplication, alice_chat: int, bot_api: FakeBotApi
) -> None:
    bot = application.bot
    sent = await bot.send_message(alice_chat, "<b>Hi</b>", parse_mode=ParseMode.HTML)

    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<strong>Hi</strong>", alice_chat, sent.message_id, parse_mode="HTML"
        )
    with pytest.raises(AssertionError, match="changed nothing"):
        bot_api.check()
    await bot.edit_message_text("Hi", alice_chat, sent.message_id)  # no longer bold
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("Hi", alice_chat, sent.message_id + 100)
    await bot.delete_message(alice_chat, sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_reply_markup(alice_chat, sent.message_id)


async def test_an_edit_without_reply_markup_removes_the_keyboard(telegram: Telegram) -> None:
    alice = telegram.user("Alice")
    await alice.send("/start")
    counter = alice.last_message

    await telegram.application.bot.edit_message_text("Done", alice.id, counter.message_id)

    assert counter.buttons == []


async def test_a_callback_query_is_answered_once(telegram: Telegram, bot_api: FakeBotApi) -> None:
    alice = telegram.user("Alice")
    await alice.send("/start")
    await alice.tap("+1")
    [query_id] = bot_api.callback_queries

    with pytest.raises(BadRequest, match="Query is too old and response timeout expired"):
        await telegram.application.bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await telegram.application.bot.answer_callback_query("no-such-query")


@pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")
async def test_a_configured_flood_limit_answers_429_with_retry_after(
    application: AnyApplication, bot_api: FakeBotApi, alice_chat: int
) -> None:
    bot_api.throttle("sendMessage", retry_after=3)

    with pytest.raises(RetryAfter, match="Retry in 3"):
        await application.bot.send_message(alice_chat, "Too fast")
    await application.bot.send_message(alice_chat, "Later")


async def test_a_held_chat_keeps_its_requests_waiting_and_lets_others_through(
    application: AnyApplication, bot_api: FakeBotApi, telegram: Telegram, alice_chat: int
) -> None:
    bob = telegram.user("Bob")
    await bob.send("hello")
    before = len(bot_api.calls)
    held = bot_api.hold(alice_chat)
    waiting = asyncio.create_task(application.bot.send_message(alice_chat, "Slow"))
    await asyncio.wait_for(held.parked.wait(), timeout=5)  # a guard: it parks at once

    await application.bot.send_message(bob.id, "Fast")
    assert not waiting.done()
    assert [call.params["text"] for call in bot_api.calls[before:]] == ["Fast"]

    held.released.set()
    await waiting
    assert [call.params["text"] for call in bot_api.calls[before:]] == ["Fast", "Slow"]


async def test_a_method_the_fake_does_not_implement_fails_the_test(
    application: AnyApplication, bot_api: FakeBotApi, alice_chat: int
) -> None:
    with pytest.raises(InvalidToken, match="Not Found: method not found"):
        await application.bot.send_dice(alice_chat)

    with pytest.raises(AssertionError, match="the bot called sendDice"):
        bot_api.check()


async def test_a_parse_mode_the_fake_does_not_model_fails_the_test(
    application: AnyApplication, bot_api: FakeBotApi, alice_chat: int
) -> None:
    with pytest.raises(BadRequest, match="is not modelled"):
        await application.bot.send_message(alice_chat, "*bold*", parse_mode=ParseMode.MARKDOWN_V2)

    with pytest.raises(AssertionError, match="parse_mode 'MarkdownV2'"):
        bot_api.check()


async def test_missing_required_parameters_are_refused(
    bot_api: FakeBotApi, alice_chat: int
) -> None:
    url = f"https://api.telegram.org/bot{TOKEN}/sendMessage"

    for params, description in [
        ({"chat_id": str(alice_chat)}, "Bad Request: message text is empty"),
        ({"text": "Hi"}, "Bad Request: chat_id is empty"),
    ]:
        response = bot_api.serve(url, params)
        assert (response.status, json.loads(response.body)) == (
            400,
            {"ok": False, "error_code": 400, "description": description},
        )
