"""Statements and payouts: a ledger entry per delivered (and refunded) vendor order with the commission and the tax
withheld for households and individuals (Decree 117/2025/NĐ-CP), and the payouts finance staff record.

Revision ID: 6b1d2e8f4a90
Revises: 3c9e1f7a2b4d
Create Date: 2026-12-07 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6b1d2e8f4a90'
down_revision = '3c9e1f7a2b4d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'statement_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entity_id', sa.Integer(), nullable=False),
        sa.Column('vendor_order_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('booked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('booked_on', sa.Date(), nullable=False),
        sa.Column('payment_method', sa.String(length=20), nullable=False),
        sa.Column('entity_type', sa.String(length=24), nullable=False),
        sa.Column('collected', sa.Boolean(), nullable=False),
        sa.Column('goods_vnd', sa.BigInteger(), nullable=False),
        sa.Column('shipping_vnd', sa.BigInteger(), nullable=False),
        sa.Column('collected_vnd', sa.BigInteger(), nullable=False),
        sa.Column('commission_vnd', sa.BigInteger(), nullable=False),
        sa.Column('withheld_base_vnd', sa.BigInteger(), nullable=False),
        sa.Column('vat_vnd', sa.BigInteger(), nullable=False),
        sa.Column('pit_vnd', sa.BigInteger(), nullable=False),
        sa.Column('net_vnd', sa.BigInteger(), nullable=False),
        sa.Column('commission_bp', sa.Integer(), nullable=False),
        sa.Column('vat_bp', sa.Integer(), nullable=False),
        sa.Column('pit_bp', sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('sale', 'refund')", name=op.f('ck_statement_entry_kind')),
        sa.CheckConstraint('net_vnd = collected_vnd - commission_vnd - vat_vnd - pit_vnd',
                           name=op.f('ck_statement_entry_net')),
        sa.ForeignKeyConstraint(['entity_id'], ['entity.id'], name=op.f('fk_statement_entry_entity_id_entity')),
        sa.ForeignKeyConstraint(['vendor_order_id'], ['vendor_order.id'],
                                name=op.f('fk_statement_entry_vendor_order_id_vendor_order')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_entry')),
        sa.UniqueConstraint('vendor_order_id', 'kind', name=op.f('uq_statement_entry_vendor_order_id')),
    )
    with op.batch_alter_table('statement_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_entry_entity_id'), ['entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_entry_period'), ['period'], unique=False)

    op.create_table(
        'payout',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entity_id', sa.Integer(), nullable=False),
        sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
        sa.Column('paid_on', sa.Date(), nullable=False),
        sa.Column('bank_reference', sa.String(length=64), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('recorded_by', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('amount_vnd > 0', name=op.f('ck_payout_amount')),
        sa.ForeignKeyConstraint(['entity_id'], ['entity.id'], name=op.f('fk_payout_entity_id_entity')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payout')),
        sa.UniqueConstraint('bank_reference', name=op.f('uq_payout_bank_reference')),
    )
    with op.batch_alter_table('payout', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payout_entity_id'), ['entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payout_paid_on'), ['paid_on'], unique=False)


def downgrade():
    with op.batch_alter_table('payout', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payout_paid_on'))
        batch_op.drop_index(batch_op.f('ix_payout_entity_id'))
    op.drop_table('payout')
    with op.batch_alter_table('statement_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_entry_period'))
        batch_op.drop_index(batch_op.f('ix_statement_entry_entity_id'))
    op.drop_table('statement_entry')
