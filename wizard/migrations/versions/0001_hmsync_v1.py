"""HMSync schema version 1: patients, doctors, visits, bills, payments, pathology tests.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _id():
    return sa.Column("id", sa.Text, primary_key=True)


def upgrade():
    op.create_table("patients", _id(), sa.Column("firstName", sa.Text),
                    sa.Column("lastName", sa.Text), sa.Column("fullName", sa.Text, nullable=False),
                    sa.Column("phone", sa.Text, nullable=False), sa.Column("age", sa.Integer),
                    sa.Column("gender", sa.Text, sa.CheckConstraint(
                        "gender IN ('M','F','O')", name="ck_patients_gender"), nullable=False),
                    sa.Column("address", sa.Text), sa.Column("registrationDate", sa.Text))
    op.create_table("doctors", _id(), sa.Column("fullName", sa.Text, nullable=False),
                    sa.Column("specialty", sa.Text), sa.Column("licenseNumber", sa.Text),
                    sa.Column("phone", sa.Text), sa.Column("joinDate", sa.Text))
    op.create_table("visits", _id(),
                    sa.Column("patientId", sa.Text, sa.ForeignKey("patients.id")),
                    sa.Column("doctorId", sa.Text, sa.ForeignKey("doctors.id")),
                    sa.Column("visitDate", sa.Text, nullable=False),
                    sa.Column("consultationFee", sa.Float, sa.CheckConstraint(
                        '"consultationFee" >= 0', name="ck_visits_fee")),
                    sa.Column("diagnosis", sa.Text), sa.Column("notes", sa.Text))
    op.create_index("ix_visits_patientId", "visits", ["patientId"])
    op.create_index("ix_visits_doctorId", "visits", ["doctorId"])
    op.create_table("bills", _id(), sa.Column("visitId", sa.Text, sa.ForeignKey("visits.id")),
                    sa.Column("patientId", sa.Text, sa.ForeignKey("patients.id")),
                    sa.Column("billDate", sa.Text), sa.Column("amount", sa.Float),
                    sa.Column("status", sa.Text))
    op.create_index("ix_bills_visitId", "bills", ["visitId"])
    op.create_index("ix_bills_patientId", "bills", ["patientId"])
    op.create_table("payments", _id(), sa.Column("billId", sa.Text, sa.ForeignKey("bills.id")),
                    sa.Column("paidOn", sa.Text), sa.Column("amount", sa.Float),
                    sa.Column("mode", sa.Text))
    op.create_index("ix_payments_billId", "payments", ["billId"])
    op.create_table("pathology_tests", _id(),
                    sa.Column("visitId", sa.Text, sa.ForeignKey("visits.id")),
                    sa.Column("patientId", sa.Text, sa.ForeignKey("patients.id")),
                    sa.Column("testCode", sa.Text), sa.Column("testName", sa.Text),
                    sa.Column("orderedOn", sa.Text), sa.Column("resultValue", sa.Text),
                    sa.Column("resultUnit", sa.Text), sa.Column("price", sa.Float))
    op.create_index("ix_pathology_tests_visitId", "pathology_tests", ["visitId"])
    op.create_index("ix_pathology_tests_patientId", "pathology_tests", ["patientId"])


def downgrade():
    for t in ["pathology_tests", "payments", "bills", "visits", "doctors", "patients"]:
        op.drop_table(t)
