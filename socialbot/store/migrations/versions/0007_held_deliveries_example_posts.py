"""held deliveries, example posts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 14:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# deliveries.state is a VARCHAR(32) without a CHECK constraint (str_enum): the new state "held"
# needs no change to the column.


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("scheduled_posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("example", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("UPDATE deliveries SET state = 'scheduled' WHERE state = 'held'")
    with op.batch_alter_table("scheduled_posts", schema=None) as batch_op:
        batch_op.drop_column("example")
