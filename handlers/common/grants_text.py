"""Channels and their permissions as short lines a person can read, even for a 128-channel NVR:
consecutive channels with the same permissions share one line."""

from languages import _, ngettext
from sharing.views import GrantView
from wording.formatting import escape, permissions_label

MAX_LINES = 40
"""Keeps a prompt well under Telegram's 4,096 characters whatever the pattern of grants."""


def grant_lines(grants: tuple[GrantView, ...]) -> list[str]:
    runs: list[list[GrantView]] = []
    for grant in grants:
        last = runs[-1][-1] if runs else None
        if (
            last is not None
            and last.channel_number + 1 == grant.channel_number
            and last.permissions == grant.permissions
        ):
            runs[-1].append(grant)
        else:
            runs.append([grant])
    lines = [_run_line(run) for run in runs]
    if len(lines) > MAX_LINES:
        hidden = sum(len(run) for run in runs[MAX_LINES - 1 :])
        more = ngettext("• … and {count} more channel", "• … and {count} more channels", hidden)
        lines = [*lines[: MAX_LINES - 1], more.format(count=hidden)]
    return lines


def _run_line(run: list[GrantView]) -> str:
    first, last = run[0], run[-1]
    permissions = permissions_label(first.permissions)
    if first is last:
        return _("• {channel}: {permissions}").format(
            channel=escape(first.channel_name), permissions=permissions
        )
    return ngettext(
        "• {first} … {last} ({count} channel): {permissions}",
        "• {first} … {last} ({count} channels): {permissions}",
        len(run),
    ).format(
        first=escape(first.channel_name),
        last=escape(last.channel_name),
        count=len(run),
        permissions=permissions,
    )
