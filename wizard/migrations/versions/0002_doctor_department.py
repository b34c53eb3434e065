"""HMSync schema version 2: doctors.department, defaulting to 'General'.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    # a defaulted column: SQLite adds it in place, existing doctors read 'General'
    op.add_column("doctors", sa.Column("department", sa.Text,
                                       server_default=sa.text("'General'")))


def downgrade():
    with op.batch_alter_table("doctors") as batch:
        batch.drop_column("department")
