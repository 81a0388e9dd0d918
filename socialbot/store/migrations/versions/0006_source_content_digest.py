"""source content digest

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 13:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_digest", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("content_digest")
