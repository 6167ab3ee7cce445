"""The two moves of a share that several services make: it starts, or it ends."""

from datetime import datetime

from storage.models import Share, ShareState


def activate(share: Share, *, now: datetime) -> None:
    """Accepted: active from now on, with nothing left to expire."""
    share.state = ShareState.ACTIVE
    share.accepted_at = now
    share.expires_at = None
    share.updated_at = now


def end(share: Share, state: ShareState, *, now: datetime) -> None:
    """Declined, cancelled, revoked or removed; `expires_at` stays, as a record."""
    share.state = state
    share.ended_at = now
    share.updated_at = now
