"""VNPay and MoMo payments: the gateway's reference, transaction number and request on a payment; two new methods.

Revision ID: 94a0aea20fa8
Revises: 5ea7c4d0c5e1
Create Date: 2026-12-06 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '94a0aea20fa8'
down_revision = '5ea7c4d0c5e1'
branch_labels = None
depends_on = None

METHODS = "payment_method IN ('cod', 'bank_transfer', 'card', 'vnpay', 'momo')"
OLD_METHODS = "payment_method IN ('cod', 'bank_transfer', 'card')"


def upgrade():
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gateway_reference', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('gateway_transaction', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('gateway_request', sa.JSON(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_payment_gateway_reference'), ['gateway_reference'])

    with op.batch_alter_table('customer_order', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_customer_order_payment_method'), type_='check')
        batch_op.create_check_constraint('payment_method', METHODS)


def downgrade():
    with op.batch_alter_table('customer_order', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_customer_order_payment_method'), type_='check')
        batch_op.create_check_constraint('payment_method', OLD_METHODS)

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_payment_gateway_reference'), type_='unique')
        batch_op.drop_column('gateway_request')
        batch_op.drop_column('gateway_transaction')
        batch_op.drop_column('gateway_reference')
