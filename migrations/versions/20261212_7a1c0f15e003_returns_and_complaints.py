"""Returns and complaints.

Revision ID: 7a1c0f15e003
Revises: 7a1c0f15e002
Create Date: 2026-12-12 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7a1c0f15e003'
down_revision = '7a1c0f15e002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('return_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('vendor_order_id', sa.Integer(), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('bank_details', sa.Text(), nullable=True),
    sa.Column('resolution', sa.String(length=20), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('return_carrier_code', sa.String(length=40), nullable=True),
    sa.Column('refund_vnd', sa.BigInteger(), nullable=True),
    sa.Column('refund_id', sa.Integer(), nullable=True),
    sa.Column('answer_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('escalation_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('return', 'complaint')", name=op.f('ck_return_case_kind')),
    sa.CheckConstraint("reason IN ('damaged', 'wrong_item', 'missing_item', 'not_as_described', 'expired', 'quality', 'other')", name=op.f('ck_return_case_reason')),
    sa.CheckConstraint("status IN ('open', 'awaiting_return', 'refused', 'escalated', 'refund_due', 'refunded', 'rejected', 'closed', 'withdrawn')", name=op.f('ck_return_case_status')),
    sa.CheckConstraint('refund_vnd IS NULL OR refund_vnd >= 0', name=op.f('ck_return_case_refund')),
    sa.ForeignKeyConstraint(['entity_id'], ['entity.id'], name=op.f('fk_return_case_entity_id_entity')),
    sa.ForeignKeyConstraint(['order_id'], ['customer_order.id'], name=op.f('fk_return_case_order_id_customer_order')),
    sa.ForeignKeyConstraint(['refund_id'], ['refund.id'], name=op.f('fk_return_case_refund_id_refund')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_return_case_user_id_user_account')),
    sa.ForeignKeyConstraint(['vendor_order_id'], ['vendor_order.id'], name=op.f('fk_return_case_vendor_order_id_vendor_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_case'))
    )
    op.create_index(op.f('ix_return_case_answer_due_at'), 'return_case', ['answer_due_at'], unique=False)
    op.create_index(op.f('ix_return_case_entity_id'), 'return_case', ['entity_id'], unique=False)
    op.create_index(op.f('ix_return_case_order_id'), 'return_case', ['order_id'], unique=False)
    op.create_index(op.f('ix_return_case_user_id'), 'return_case', ['user_id'], unique=False)
    op.create_index(op.f('ix_return_case_vendor_order_id'), 'return_case', ['vendor_order_id'], unique=False)
    op.create_table('return_case_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('side', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['return_case.id'], name=op.f('fk_return_case_event_case_id_return_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_case_event'))
    )
    op.create_index(op.f('ix_return_case_event_case_id'), 'return_case_event', ['case_id'], unique=False)
    op.create_table('return_case_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('refund_quantity', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_return_case_line_quantity')),
    sa.CheckConstraint('refund_quantity >= 0 AND refund_quantity <= quantity', name=op.f('ck_return_case_line_refund_quantity')),
    sa.ForeignKeyConstraint(['case_id'], ['return_case.id'], name=op.f('fk_return_case_line_case_id_return_case')),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_line.id'], name=op.f('fk_return_case_line_order_line_id_order_line')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_case_line')),
    sa.UniqueConstraint('case_id', 'order_line_id', name=op.f('uq_return_case_line_case_id'))
    )
    op.create_index(op.f('ix_return_case_line_case_id'), 'return_case_line', ['case_id'], unique=False)
    op.create_table('return_case_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=64), nullable=False),
    sa.Column('thumbnail', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('failure', sa.String(length=40), nullable=True),
    sa.CheckConstraint("status IN ('processing', 'ready', 'failed')", name=op.f('ck_return_case_photo_status')),
    sa.ForeignKeyConstraint(['case_id'], ['return_case.id'], name=op.f('fk_return_case_photo_case_id_return_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_case_photo')),
    sa.UniqueConstraint('filename', name=op.f('uq_return_case_photo_filename'))
    )
    op.create_index(op.f('ix_return_case_photo_case_id'), 'return_case_photo', ['case_id'], unique=False)
    # A partial refund of a case books a ``return`` entry (one per case, by its reference); sale and refund stay
    # one per vendor order through a partial unique index (NULL references are distinct in the constraint).
    with op.batch_alter_table('statement_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference', sa.String(length=64), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_statement_entry_vendor_order_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('ck_statement_entry_kind'), type_='check')
        batch_op.create_unique_constraint(batch_op.f('uq_statement_entry_vendor_order_id'),
                                          ['vendor_order_id', 'kind', 'reference'])
        batch_op.create_check_constraint(batch_op.f('ck_statement_entry_kind'),
                                         "kind IN ('sale', 'refund', 'return')")
        batch_op.create_check_constraint(
            batch_op.f('ck_statement_entry_reference'),
            "(kind = 'return' AND reference IS NOT NULL) OR (kind <> 'return' AND reference IS NULL)")
    with op.batch_alter_table('statement_entry', schema=None) as batch_op:
        batch_op.create_index('uq_statement_entry_once', ['vendor_order_id', 'kind'], unique=True,
                              sqlite_where=sa.text('reference IS NULL'),
                              postgresql_where=sa.text('reference IS NULL'))


def downgrade():
    op.execute("DELETE FROM statement_entry WHERE kind = 'return'")
    with op.batch_alter_table('statement_entry', schema=None) as batch_op:
        batch_op.drop_index('uq_statement_entry_once')
    with op.batch_alter_table('statement_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_statement_entry_reference'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_statement_entry_kind'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_statement_entry_vendor_order_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_statement_entry_vendor_order_id'),
                                          ['vendor_order_id', 'kind'])
        batch_op.create_check_constraint(batch_op.f('ck_statement_entry_kind'), "kind IN ('sale', 'refund')")
        batch_op.drop_column('reference')
    op.drop_index(op.f('ix_return_case_photo_case_id'), table_name='return_case_photo')
    op.drop_table('return_case_photo')
    op.drop_index(op.f('ix_return_case_line_case_id'), table_name='return_case_line')
    op.drop_table('return_case_line')
    op.drop_index(op.f('ix_return_case_event_case_id'), table_name='return_case_event')
    op.drop_table('return_case_event')
    for column in ('vendor_order_id', 'user_id', 'order_id', 'entity_id', 'answer_due_at'):
        op.drop_index(op.f(f'ix_return_case_{column}'), table_name='return_case')
    op.drop_table('return_case')
