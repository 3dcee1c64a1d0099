"""Shipping by carrier (GHN): each entity's pick-up address and free-shipping threshold, a shipment per vendor order
(the quote at checkout, then the carrier's order, progress and cash on delivery), the carrier's notifications kept
once, listings' shipping weight and size, and the ``returned`` status of orders and vendor orders.

Revision ID: 5bba993ac134
Revises: 6b1d2e8f4a90
Create Date: 2026-12-08 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5bba993ac134'
down_revision = '6b1d2e8f4a90'
branch_labels = None
depends_on = None

STATUSES = ("status IN ('pending_payment', 'paid', 'processing', 'shipped', 'delivered', 'cancelled', 'refunded', "
            "'returned')")
OLD_STATUSES = "status IN ('pending_payment', 'paid', 'processing', 'shipped', 'delivered', 'cancelled', 'refunded')"


def upgrade():
    op.create_table('carrier_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('carrier', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('order_code', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=40), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.String(length=80), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carrier_event')),
    sa.UniqueConstraint('key', name=op.f('uq_carrier_event_key'))
    )
    with op.batch_alter_table('carrier_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_carrier_event_order_code'), ['order_code'], unique=False)

    op.create_table('shipping_profile',
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('ward_code', sa.String(length=5), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('free_over_vnd', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('free_over_vnd IS NULL OR free_over_vnd > 0', name=op.f('ck_shipping_profile_free_over')),
    sa.ForeignKeyConstraint(['entity_id'], ['entity.id'], name=op.f('fk_shipping_profile_entity_id_entity')),
    sa.PrimaryKeyConstraint('entity_id', name=op.f('pk_shipping_profile'))
    )
    op.create_table('shipment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vendor_order_id', sa.Integer(), nullable=False),
    sa.Column('quoted_by', sa.String(length=10), nullable=False),
    sa.Column('quoted_vnd', sa.BigInteger(), nullable=False),
    sa.Column('expected_on', sa.Date(), nullable=True),
    sa.Column('weight_g', sa.Integer(), nullable=True),
    sa.Column('length_cm', sa.Integer(), nullable=True),
    sa.Column('width_cm', sa.Integer(), nullable=True),
    sa.Column('height_cm', sa.Integer(), nullable=True),
    sa.Column('carrier', sa.String(length=20), nullable=True),
    sa.Column('carrier_order_code', sa.String(length=40), nullable=True),
    sa.Column('carrier_fee_vnd', sa.BigInteger(), nullable=True),
    sa.Column('cod_vnd', sa.BigInteger(), nullable=False),
    sa.Column('carrier_status', sa.String(length=40), nullable=True),
    sa.Column('carrier_status_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('picked_up_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('in_transit_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cod_remitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cod_remitted_vnd', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('cod_vnd >= 0', name=op.f('ck_shipment_cod')),
    sa.ForeignKeyConstraint(['vendor_order_id'], ['vendor_order.id'], name=op.f('fk_shipment_vendor_order_id_vendor_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment')),
    sa.UniqueConstraint('carrier_order_code', name=op.f('uq_shipment_carrier_order_code')),
    sa.UniqueConstraint('vendor_order_id', name=op.f('uq_shipment_vendor_order_id'))
    )
    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weight_g', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('length_cm', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('width_cm', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('height_cm', sa.Integer(), nullable=True))
        batch_op.create_check_constraint('weight_positive', 'weight_g IS NULL OR weight_g > 0')

    for table in ('customer_order', 'vendor_order'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'ck_{table}_status'), type_='check')
            batch_op.create_check_constraint('status', STATUSES)


def downgrade():
    for table in ('vendor_order', 'customer_order'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'ck_{table}_status'), type_='check')
            batch_op.create_check_constraint('status', OLD_STATUSES)

    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_listing_weight_positive'), type_='check')
        batch_op.drop_column('height_cm')
        batch_op.drop_column('width_cm')
        batch_op.drop_column('length_cm')
        batch_op.drop_column('weight_g')

    op.drop_table('shipment')
    op.drop_table('shipping_profile')
    with op.batch_alter_table('carrier_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_carrier_event_order_code'))

    op.drop_table('carrier_event')
