"""Ratings and reviews from verified buyers: reviews (one per delivered order line, of the registry's product), their
photos, reports and event trail, and the published reviews' count and star sum kept on each listing.

Revision ID: 7a1c0f15e002
Revises: 7a1c0f15e001
Create Date: 2026-12-11 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a1c0f15e002'
down_revision = '7a1c0f15e001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('held_words', sa.String(length=200), nullable=True),
    sa.Column('cleared', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reply_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('published', 'held', 'hidden', 'removed')", name=op.f('ck_review_status')),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_review_rating')),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_line.id'], name=op.f('fk_review_order_line_id_order_line')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_review_product_id_product')),
    sa.ForeignKeyConstraint(['reply_user_id'], ['user_account.id'], name=op.f('fk_review_reply_user_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_review_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review')),
    sa.UniqueConstraint('order_line_id', name=op.f('uq_review_order_line_id'))
    )
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.create_index('ix_review_product_status', ['product_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_user_id'), ['user_id'], unique=False)

    op.create_table('review_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=12), nullable=False),
    sa.Column('from_status', sa.String(length=12), nullable=True),
    sa.Column('to_status', sa.String(length=12), nullable=True),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("action IN ('moved', 'edited', 'replied', 'reported')", name=op.f('ck_review_event_action')),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_review_event_review_id_review')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_event'))
    )
    with op.batch_alter_table('review_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_event_review_id'), ['review_id'], unique=False)

    op.create_table('review_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=80), nullable=False),
    sa.Column('thumbnail', sa.String(length=80), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('failure', sa.String(length=40), nullable=True),
    sa.CheckConstraint("status IN ('processing', 'ready', 'failed')", name=op.f('ck_review_photo_status')),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_review_photo_review_id_review')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_photo')),
    sa.UniqueConstraint('review_id', 'position', name='uq_review_photo_position')
    )
    with op.batch_alter_table('review_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_photo_review_id'), ['review_id'], unique=False)

    op.create_table('review_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("reason IN ('abusive', 'spam', 'off_topic', 'personal_data', 'other')", name=op.f('ck_review_report_reason')),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_review_report_review_id_review')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_review_report_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_report')),
    sa.UniqueConstraint('review_id', 'user_id', name='uq_review_report_user')
    )
    with op.batch_alter_table('review_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_report_review_id'), ['review_id'], unique=False)

    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rating_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('rating_sum', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.drop_column('rating_sum')
        batch_op.drop_column('rating_count')

    with op.batch_alter_table('review_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_report_review_id'))

    op.drop_table('review_report')
    with op.batch_alter_table('review_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_photo_review_id'))

    op.drop_table('review_photo')
    with op.batch_alter_table('review_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_event_review_id'))

    op.drop_table('review_event')
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_user_id'))
        batch_op.drop_index('ix_review_product_status')

    op.drop_table('review')
