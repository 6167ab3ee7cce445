"""The portal's API, asked in-process as its users would from the Mini App: each page's data,
each refusal in the chat's words, and what the other side reads in Telegram."""

from datetime import timedelta

import pytest

from handlers.common.context import CamShareContext
from handlers.groups.news import flush_group_news
from sharing.people import accounts
from storage.database import Database
from storage.models import DeviceConnection, DeviceStatus
from tests.clock import FakeClock
from tests.handlers.journeys import RITA_PHONE, add_nvr, started, verified
from tests.harness.users import Telegram, TelegramUser
from tests.portal.conftest import TEST_TOKEN, Portal, init_data

EVERYTHING = ["live_view", "playback", "alarm", "two_way_audio", "ptz"]
TABLE = {str(channel): EVERYTHING for channel in range(1, 5)}


@pytest.fixture
async def alice(telegram: Telegram) -> TelegramUser:
    """An owner in the United Kingdom with a 4-channel NVR, Shop NVR."""
    owner = await started(telegram, "Alice")
    await add_nvr(owner)
    return owner


@pytest.fixture
async def bob(telegram: Telegram) -> TelegramUser:
    """A recipient in the United Kingdom who proved RITA_PHONE."""
    return await verified(telegram, "Bob", RITA_PHONE, username="bob_cam")


async def device_id(portal: Portal, owner: TelegramUser) -> int:
    devices = (await portal.get("/api/devices", owner))["devices"]
    identifier: int = devices[0]["id"]
    return identifier


async def share_with_bob(portal: Portal, alice: TelegramUser, table: object = None) -> int:
    device = await device_id(portal, alice)
    response = await portal.post(
        f"/api/devices/{device}/shares", alice, {"recipient": RITA_PHONE, "grants": table or TABLE}
    )
    assert response.status_code == 200, response.text
    share_id: int = response.json()["share"]["id"]
    return share_id


# --- who is asking -------------------------------------------------------------------------------


async def test_me_is_the_signed_in_account(portal: Portal, alice: TelegramUser) -> None:
    response = await portal.request("GET", "/api/me", user=alice)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    me = response.json()
    assert me["id"] == alice.id and me["name"] == "Alice"
    assert me["region"] == "GB" and me["region_label"] == "🇬🇧 United Kingdom"
    assert (me["phone"], me["email"], me["devices"]) == (None, None, 1)


async def test_bob_sees_his_proved_phone(portal: Portal, bob: TelegramUser) -> None:
    assert (await portal.get("/api/me", bob))["phone"] == RITA_PHONE


@pytest.mark.parametrize(
    "authorization",
    [None, "", "tma ", "Bearer x", "tma query_id=1&auth_date=1&hash=00"],
    ids=["none", "empty", "tma-empty", "other-scheme", "forged"],
)
async def test_unsigned_or_forged_requests_get_401_and_nothing_else(
    portal: Portal, alice: TelegramUser, authorization: str | None
) -> None:
    response = await portal.request("GET", "/api/me", authorization=authorization)
    assert response.status_code == 401
    assert response.json() == {
        "error": "unauthorized",
        "message": "Open this page from the bot in Telegram.",
    }


async def test_data_signed_with_another_token_gets_401(portal: Portal, alice: TelegramUser) -> None:
    other = init_data(
        alice, auth_date=int(portal.clock().timestamp()), token=TEST_TOKEN.replace("1", "2")
    )
    response = await portal.request("GET", "/api/me", authorization=f"tma {other}")
    assert response.status_code == 401


async def test_someone_elses_user_in_alices_data_gets_401(
    portal: Portal, alice: TelegramUser, bob: TelegramUser
) -> None:
    """A replay with a changed field: Bob's id put into Alice's signed data."""
    signed = init_data(alice, auth_date=int(portal.clock().timestamp()))
    changed = signed.replace(f"%22id%22%3A{alice.id}", f"%22id%22%3A{bob.id}")
    assert changed != signed
    response = await portal.request("GET", "/api/me", authorization=f"tma {changed}")
    assert response.status_code == 401


async def test_data_older_than_a_day_gets_401(
    portal: Portal, alice: TelegramUser, clock: FakeClock
) -> None:
    signed = init_data(alice, auth_date=int(clock().timestamp()))
    assert (await portal.request("GET", "/api/me", authorization=f"tma {signed}")).is_success
    clock.advance(days=1, seconds=1)
    response = await portal.request("GET", "/api/me", authorization=f"tma {signed}")
    assert response.status_code == 401


async def test_someone_without_an_account_is_sent_to_start(
    portal: Portal, telegram: Telegram
) -> None:
    stranger = telegram.user("Sam")
    response = await portal.request("GET", "/api/me", user=stranger)
    assert response.status_code == 403
    assert response.json()["message"] == "I don't know you yet. Send /start to set up your account."


async def test_texts_are_the_pages_words(portal: Portal, alice: TelegramUser) -> None:
    texts = await portal.get("/api/texts", alice)
    assert texts["tab_devices"] == "Device Management"
    assert texts["tab_received"] == "Others' Shared Devices"
    assert all(isinstance(text, str) and text for text in texts.values())


async def test_unknown_api_paths_are_404(portal: Portal, alice: TelegramUser) -> None:
    response = await portal.request("GET", "/api/nothing", user=alice)
    assert response.status_code == 404
    assert response.json() == {"error": "not_found"}


# --- Device Management ---------------------------------------------------------------------------


async def test_my_devices_and_one_device_for_the_share_table(
    portal: Portal, alice: TelegramUser
) -> None:
    listing = await portal.get("/api/devices", alice)
    assert listing["total"] == 1
    (nvr,) = listing["devices"]
    assert nvr["name"] == "Shop NVR" and nvr["type_label"] == "🗄 NVR"
    assert nvr["serial"] == "J12345678"
    assert nvr["channels"] == "4 channels" and nvr["status"] == "Not connected"
    device = await portal.get(f"/api/devices/{nvr['id']}", alice)
    assert device["serial"] == "J12345678"
    assert device["live_view_locked"] is True
    assert [c["name"] for c in device["channels"]] == [f"Camera {n:02}" for n in range(1, 5)]
    assert [p["label"] for p in device["permissions"]] == [
        "Live View",
        "Playback",
        "Alarm",
        "Two-way Audio",
        "PTZ",
    ]


async def test_sharing_from_the_table_sends_bob_the_chats_prompt(
    portal: Portal, alice: TelegramUser, bob: TelegramUser
) -> None:
    device = await device_id(portal, alice)
    table = {"1": EVERYTHING, "2": ["live_view", "playback"], "3": []}
    response = await portal.post(
        f"/api/devices/{device}/shares", alice, {"recipient": "+44 7700 900002", "grants": table}
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["outcome"].startswith("✅ Invitation to Shop NVR sent to Bob.")
    assert result["share"]["state"] == "pending" and result["share"]["who"] == "Bob"
    prompt = bob.last_message
    assert "Alice wants to share Shop NVR with you (2 channels)" in prompt.text
    assert "• Camera 02: Live View/Playback" in prompt.text
    assert prompt.buttons == [["✅ Accept", "❌ Decline"]]


async def test_a_share_saved_again_edits_the_invitation_and_closes_the_old_prompt(
    portal: Portal, alice: TelegramUser, bob: TelegramUser
) -> None:
    await share_with_bob(portal, alice)
    old_prompt = bob.last_message
    await share_with_bob(portal, alice, {"1": ["live_view"]})
    assert old_prompt.buttons == []
    assert "changed by its owner" in old_prompt.text
    assert "(1 channel)" in bob.last_message.text
    shared = await portal.get("/api/shares", alice)
    assert len(shared["devices"][0]["shares"]) == 1


@pytest.mark.parametrize(
    ("recipient", "table", "error", "rule", "field", "message"),
    [
        (
            "not an address",
            TABLE,
            "InvalidRecipient",
            None,
            "recipient",
            "I need a phone number (like +44 7700 900123), an email address or an @username.",
        ),
        (
            "@no",
            TABLE,
            "InvalidUsername",
            None,
            "recipient",
            "@no is not a Telegram username",
        ),
        (
            RITA_PHONE,
            {"1": ["playback"]},
            "LiveViewRequired",
            "R7",
            "grants",
            "Live View is always shared on cameras, NVRs and DVRs (channel 1).",
        ),
        (
            RITA_PHONE,
            {"1": [], "2": []},
            "NoChannelsSelected",
            None,
            "grants",
            "Select at least one channel to share.",
        ),
        (
            RITA_PHONE,
            {"9": EVERYTHING},
            "UnknownChannel",
            None,
            "grants",
            "Channel 9 is not on this device any more.",
        ),
    ],
    ids=["recipient", "username", "R7", "no-channels", "unknown-channel"],
)
async def test_refusals_name_their_rule_and_field_in_the_chats_words(
    portal: Portal,
    alice: TelegramUser,
    bob: TelegramUser,
    recipient: str,
    table: object,
    error: str,
    rule: str | None,
    field: str,
    message: str,
) -> None:
    device = await device_id(portal, alice)
    before = len(bob.messages)
    response = await portal.post(
        f"/api/devices/{device}/shares", alice, {"recipient": recipient, "grants": table}
    )
    assert response.status_code == 409, response.text
    refusal = response.json()
    assert (refusal["error"], refusal["rule"], refusal["field"]) == (error, rule, field)
    assert refusal["message"].startswith(message)
    assert len(bob.messages) == before, "nothing was sent"
    assert (await portal.get("/api/shares", alice))["devices"] == [], "nothing was saved"


async def test_no_share_to_oneself_r9(portal: Portal, telegram: Telegram) -> None:
    olga = await started(telegram, "Olga", username="olga_owner")
    await add_nvr(olga)
    device = await device_id(portal, olga)
    response = await portal.post(
        f"/api/devices/{device}/shares", olga, {"recipient": "@olga_owner", "grants": TABLE}
    )
    refusal = response.json()
    assert response.status_code == 409
    assert (refusal["error"], refusal["rule"], refusal["field"]) == (
        "ShareToSelf",
        "R9",
        "recipient",
    )
    assert refusal["message"].startswith("You cannot share a device with yourself.")


async def test_recipient_in_another_region_is_refused_r3(
    portal: Portal, alice: TelegramUser, telegram: Telegram
) -> None:
    anna = telegram.user("Anna", language_code="de", username="anna_de")
    await anna.send("/start")
    await anna.tap_reply_button("Not now")
    await anna.tap("✅ Yes, 🇩🇪 Germany")
    device = await device_id(portal, alice)
    response = await portal.post(
        f"/api/devices/{device}/shares", alice, {"recipient": "@anna_de", "grants": TABLE}
    )
    refusal = response.json()
    assert response.status_code == 409 and refusal["rule"] == "R3"
    assert refusal["field"] == "recipient"
    assert refusal["message"] == (
        "You can share only with people in your region (🇬🇧 United Kingdom), and this account"
        " is in 🇩🇪 Germany."
    )


@pytest.mark.parametrize(
    "body",
    [
        {"recipient": RITA_PHONE, "grants": {"1": ["everything"]}},
        {"recipient": RITA_PHONE, "grants": {"0": EVERYTHING}},
        {"recipient": "", "grants": TABLE},
        {"recipient": RITA_PHONE},
        {"recipient": RITA_PHONE, "grants": TABLE, "owner_id": 1},
    ],
    ids=["permission", "channel-0", "empty-recipient", "no-grants", "extra-field"],
)
async def test_bodies_are_validated(portal: Portal, alice: TelegramUser, body: object) -> None:
    device = await device_id(portal, alice)
    response = await portal.post(f"/api/devices/{device}/shares", alice, body)
    assert response.status_code == 422
    assert response.json()["error"] == "InvalidRequest"


async def test_not_json_is_refused(portal: Portal, alice: TelegramUser) -> None:
    device = await device_id(portal, alice)
    response = await portal.request(
        "POST", f"/api/devices/{device}/shares", user=alice, content=b"{not json"
    )
    assert response.status_code == 422


# --- another account's ids ------------------------------------------------------------------------


async def test_another_accounts_ids_do_not_exist(
    portal: Portal, alice: TelegramUser, bob: TelegramUser, telegram: Telegram
) -> None:
    device = await device_id(portal, alice)
    share = await share_with_bob(portal, alice)
    await bob.tap("✅ Accept")
    mallory = await started(telegram, "Mallory")
    for method, path, body in [
        ("GET", f"/api/devices/{device}", None),
        ("POST", f"/api/devices/{device}/shares", {"recipient": RITA_PHONE, "grants": TABLE}),
        ("GET", f"/api/shares/{share}", None),
        ("PUT", f"/api/shares/{share}", {"grants": TABLE}),
        ("POST", f"/api/shares/{share}/revoke", None),
        ("POST", f"/api/shares/{share}/cancel", None),
        ("GET", f"/api/received/{share}", None),
        ("POST", f"/api/received/{share}/rename", {"alias": "Mine"}),
        ("POST", f"/api/received/{share}/remove", None),
    ]:
        response = await portal.request(method, path, user=mallory, json_body=body)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"] in ("DeviceNotFound", "ShareNotFound")
    # ...and the recipient cannot act as the owner, nor the owner as the recipient.
    assert (await portal.request("GET", f"/api/shares/{share}", user=bob)).status_code == 404
    revoke = await portal.request("POST", f"/api/shares/{share}/revoke", user=bob)
    assert revoke.status_code == 403 and revoke.json()["rule"] == "R2"
    assert (await portal.request("GET", f"/api/received/{share}", user=alice)).status_code == 404
    assert (await portal.get("/api/received", bob))["devices"][0]["id"] == share


# --- My Shared Devices ---------------------------------------------------------------------------


async def test_who_has_each_device_pending_then_active(
    portal: Portal, alice: TelegramUser, bob: TelegramUser
) -> None:
    share = await share_with_bob(portal, alice)
    (device,) = (await portal.get("/api/shares", alice))["devices"]
    (line,) = device["shares"]
    assert (device["name"], line["who"], line["state_label"]) == ("Shop NVR", "Bob", "⏳ Pending")
    assert line["since"] == "15 Jan 2026, 09:00 UTC" and line["channels"] == "4 channels"
    await bob.tap("✅ Accept")
    (line,) = (await portal.get("/api/shares", alice))["devices"][0]["shares"]
    assert line["state_label"] == "✅ Active"
    details = await portal.get(f"/api/shares/{share}", alice)
    assert details["live_view_locked"] is True
    assert [g["permissions"] for g in details["grants"]] == [EVERYTHING] * 4
    assert len(details["channels"]) == 4


async def test_editing_an_active_share_tells_bob_as_the_chat_does(
    portal: Portal, alice: TelegramUser, bob: TelegramUser
) -> None:
    share = await share_with_bob(portal, alice)
    await bob.tap("✅ Accept")
    response = await portal.request(
        "PUT", f"/api/shares/{share}", user=alice, json_body={"grants": {"2": ["live_view"]}}
    )
    assert response.status_code == 200, response.text
    assert (
        response.json()["outcome"]
        == "✅ Bob's access to Shop NVR was updated; they have been told."
    )
    assert bob.last_message.text == "Alice changed your access to Shop NVR:\n• Camera 02: Live View"
    received = await portal.get(f"/api/received/{share}", bob)
    assert [g["channel"] for g in received["grants"]] == [2]


async def test_deleting_an_active_share_tells_bob(
    portal: Portal, alice: TelegramUser, bob: TelegramUser
) -> None:
    share = await share_with_bob(portal, alice)
    await bob.tap("✅ Accept")
    response = await portal.post(f"/api/shares/{share}/revoke", alice)
    assert response.json()["outcome"] == (
        "🗑 You stopped sharing Shop NVR with Bob; they have been told."
    )
    assert bob.last_message.text == "🗑 Alice stopped sharing Shop NVR with you."
    assert (await portal.get("/api/received", bob))["devices"] == []
    again = await portal.post(f"/api/shares/{share}/revoke", alice)
    assert again.status_code == 409 and again.json()["error"] == "ShareNotActive"


async def test_cancelling_an_invitation_closes_bobs_prompt(
    portal: Portal, alice: TelegramUser, bob: TelegramUser
) -> None:
    share = await share_with_bob(portal, alice)
    prompt = bob.last_message
    response = await portal.post(f"/api/shares/{share}/cancel", alice)
    assert response.json()["outcome"] == "✖️ The invitation to Bob for Shop NVR was cancelled."
    assert prompt.text == "✖️ Alice cancelled the invitation to Shop NVR."
    assert prompt.buttons == []
    assert (await portal.get("/api/shares", alice))["devices"] == []


async def test_an_expired_invitation_cannot_be_cancelled(
    portal: Portal, alice: TelegramUser, bob: TelegramUser, clock: FakeClock
) -> None:
    share = await share_with_bob(portal, alice)
    clock.advance(days=3, seconds=1)
    response = await portal.post(f"/api/shares/{share}/cancel", alice)
    refusal = response.json()
    assert response.status_code == 409 and refusal["rule"] == "R11"
    assert refusal["message"] == "This invitation has already expired: there is nothing to cancel."


# --- Others' Shared Devices ----------------------------------------------------------------------


async def test_bob_accepts_in_the_chat_and_the_portal_lists_it(
    portal: Portal, alice: TelegramUser, bob: TelegramUser
) -> None:
    share = await share_with_bob(portal, alice)
    waiting = await portal.get("/api/received", bob)
    assert waiting["devices"] == []
    assert waiting["invitations"] == [
        {
            "id": share,
            "name": "Shop NVR",
            "from": "Alice",
            "channels": "4 channels",
            "expires": "18 Jan 2026, 09:00 UTC",
        }
    ]
    await bob.tap("✅ Accept")
    received = await portal.get("/api/received", bob)
    assert received["invitations"] == []
    (row,) = received["devices"]
    assert row["id"] == share
    assert (row["name"], row["serial"], row["from"]) == ("Shop NVR", "J12345678", "Alice")
    assert row["status"] == "Not connected"
    details = await portal.get(f"/api/received/{share}", bob)
    assert details["from"] == "Alice"
    assert details["grants"][0] == {
        "channel": 1,
        "name": "Camera 01",
        "permissions": EVERYTHING,
        "label": "Live View/Playback/Alarm/Two-way Audio/PTZ",
    }


async def test_bob_renames_it_for_himself(
    portal: Portal, alice: TelegramUser, bob: TelegramUser
) -> None:
    share = await share_with_bob(portal, alice)
    await bob.tap("✅ Accept")
    renamed = await portal.post(f"/api/received/{share}/rename", bob, {"alias": "Uncle's shop"})
    assert renamed.json() == {"id": share, "name": "Uncle's shop"}
    assert (await portal.get("/api/received", bob))["devices"][0]["name"] == "Uncle's shop"
    assert (await portal.get("/api/shares", alice))["devices"][0]["name"] == "Shop NVR"
    too_long = await portal.post(f"/api/received/{share}/rename", bob, {"alias": "x" * 65})
    assert too_long.status_code == 409 and too_long.json()["field"] == "alias"
    back = await portal.post(f"/api/received/{share}/rename", bob, {"alias": ""})
    assert back.json()["name"] == "Shop NVR"


async def test_bob_deletes_it_and_alice_is_told(
    portal: Portal, alice: TelegramUser, bob: TelegramUser
) -> None:
    share = await share_with_bob(portal, alice)
    await bob.tap("✅ Accept")
    response = await portal.post(f"/api/received/{share}/remove", bob)
    assert (
        response.json()["outcome"] == "🗑 Shop NVR was deleted from your list; Alice has been told."
    )
    assert alice.last_message.text == "🗑 Bob deleted Shop NVR from their list."
    assert (await portal.get("/api/received", bob))["devices"] == []


# --- My Account ---------------------------------------------------------------------------------


async def test_my_account_qr_code_links_to_the_bot(portal: Portal, bob: TelegramUser) -> None:
    response = await portal.post("/api/account/qr", bob)
    code = response.json()
    assert code["image"].startswith("data:image/png;base64,")
    assert code["link"].startswith("https://t.me/")
    assert "?start=" in code["link"]
    newer = (await portal.post("/api/account/qr", bob)).json()
    assert newer["link"] != code["link"], "a new code stops the old one, as /myqr does"


# --- installer groups ----------------------------------------------------------------------------


async def test_the_installer_group_hears_portal_changes_as_chat_changes(
    portal: Portal, alice: TelegramUser, bob: TelegramUser, telegram: Telegram
) -> None:
    context = CamShareContext(telegram.application)
    group = telegram.group("Installers Ltd", creator=alice)
    await group.add_bot(by=alice)
    await alice.send("/allowlinking", chat=group)
    await alice.send("/link", chat=group)
    await alice.tap("🗄 Shop NVR", chat=group)

    async def news() -> list[str]:
        before = len(group.messages)
        await flush_group_news(context)
        return [message.text or "" for message in group.messages[before:]]

    await news()
    share = await share_with_bob(portal, alice)
    all_four = "Camera 01, Camera 02 and 2 more channels"  # as tests/handlers/test_groups.py
    assert await news() == [f"📨 Alice invited Bob to Shop NVR: {all_four}"]
    await bob.tap("✅ Accept")
    await news()
    await portal.request("PUT", f"/api/shares/{share}", user=alice, json_body={"grants": TABLE})
    assert await news() == [f"✏️ Alice changed Bob's access to Shop NVR: {all_four}"]
    await portal.post(f"/api/received/{share}/remove", bob)
    assert await news() == ["🗑 Bob deleted Shop NVR (shared by Alice) from their list"]


async def test_others_shared_devices_show_the_status_never_the_address(
    portal: Portal, alice: TelegramUser, bob: TelegramUser, database: Database, clock: FakeClock
) -> None:
    """R14: Bob sees whether Alice's connected NVR answers, and when it last did; not how it is
    reached. (The connection row as a status check leaves it.)"""
    share = await share_with_bob(portal, alice)
    await bob.tap("✅ Accept")
    device = await device_id(portal, alice)
    seen = clock() - timedelta(minutes=10)
    async with database.write() as session:
        session.add(
            DeviceConnection(
                device_id=device,
                scheme="http",
                host="192.0.2.10",
                port=80,
                username="admin",
                sealed_password=b"sealed",
                model="DS-7604NI",
                status=DeviceStatus.OFFLINE,
                status_since=seen,
                last_online_at=seen,
                checked_at=clock(),
                connected_at=seen,
            )
        )
    received = await portal.request("GET", "/api/received", user=bob)
    (row,) = received.json()["devices"]
    assert row["id"] == share
    assert row["status"] == "🔴 Offline · last seen online 15 Jan 2026, 08:50 UTC"
    assert "192.0.2.10" not in received.text and "admin" not in received.text
    (mine,) = (await portal.get("/api/devices", alice))["devices"]
    assert mine["status"] == "🔴 Offline"


async def test_answers_are_in_the_accounts_language(
    portal: Portal, bob: TelegramUser, database: Database
) -> None:
    async with database.write() as session:
        await accounts.set_language(session, account_id=bob.id, language="ru")
    me = await portal.get("/api/me", bob)
    assert me["region_label"] == "🇬🇧 Великобритания"
    # The texts themselves wait for the catalogs (issue 16): languages/catalogs/<lang>/.


async def test_a_huge_body_is_refused_unread(portal: Portal, alice: TelegramUser) -> None:
    device = await device_id(portal, alice)
    response = await portal.request(
        "POST", f"/api/devices/{device}/shares", user=alice, content=b"[" * 100_000
    )
    assert response.status_code == 413


async def test_a_128_channel_nvr_is_one_table_and_one_request(
    portal: Portal, bob: TelegramUser, telegram: Telegram
) -> None:
    """The issue's case: 640 checkboxes in the chat's terms, one Save here."""
    owner = await started(telegram, "Olga")
    await add_nvr(owner, serial="J87654321", name="Big NVR", channels="128")
    device = await device_id(portal, owner)
    assert len((await portal.get(f"/api/devices/{device}", owner))["channels"]) == 128
    table = {str(n): ["live_view", "playback"] if n % 2 else EVERYTHING for n in range(1, 129)}
    response = await portal.post(
        f"/api/devices/{device}/shares", owner, {"recipient": RITA_PHONE, "grants": table}
    )
    assert response.status_code == 200, response.text
    assert "Olga wants to share Big NVR with you (128 channels)" in bob.last_message.text
    share = response.json()["share"]["id"]
    details = await portal.get(f"/api/shares/{share}", owner)
    assert [g["permissions"] for g in details["grants"][:2]] == [
        ["live_view", "playback"],
        EVERYTHING,
    ]
