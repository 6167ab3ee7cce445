"""languages

What the bot speaks to each account (and in each installer group), and each account's time
zone. Accounts start in the language Telegram gave for them, where it is one of ours.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 13:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TELEGRAM_TO_OURS = (("zh", "zh_Hans"), ("ru", "ru"), ("es", "es"))
"""languages.language_for, as of this revision, for the accounts there are: the primary
language subtag alone ("ru") or before a region or script ("ru-RU", "zh-hans")."""


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=16), nullable=False, server_default="en")
        )
        batch_op.add_column(
            sa.Column("time_zone", sa.String(length=64), nullable=False, server_default="UTC")
        )
    with op.batch_alter_table("installergroup", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=16), nullable=False, server_default="en")
        )
    account = sa.table("account", sa.column("language_code"), sa.column("language"))
    code = sa.func.lower(account.c.language_code)
    for primary, language in TELEGRAM_TO_OURS:
        op.execute(
            account.update()
            .where(
                sa.or_(
                    code == primary,
                    code.like(f"{primary}-%"),
                    code.like(f"{primary}!_%", escape="!"),
                )
            )
            .values(language=language)
        )


def downgrade() -> None:
    with op.batch_alter_table("installergroup", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
        batch_op.drop_column("language")
