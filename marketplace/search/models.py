"""The queue of products whose index documents must be refreshed (written in the same transaction)."""

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db


class SearchPending(db.Model):
    """A product to re-index; rows are deleted once the index has the change (so nothing is lost)."""

    __tablename__ = "search_pending"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer, index=True)
