"""Unbound Flask extensions, bound to the app in ``create_app``."""

import time

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, Select

#: Stable constraint names so Alembic migrations stay reviewable.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



def usable_replica(state):
    """The replica's engine from its state (core/replica.py) unless none is set up or it rests after a failure."""
    if state is None or state["down_until"] > time.monotonic():
        return None
    return state["engine"]


def _is_read(clause):
    """A SELECT that locks nothing (``FOR UPDATE`` always goes to the primary)."""
    return isinstance(clause, Select) and clause._for_update_arg is None  # noqa: SLF001 - no public accessor


class RoutingSession(FlaskSession):
    """Flask-SQLAlchemy's session, sending plain SELECTs to the replica inside a ``@replica_reads`` request."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        """The replica for a SELECT outside a flush when this request reads from it; else the usual bind."""
        if bind is None and not self._flushing and self.info.get("replica") and _is_read(clause):
            engine = usable_replica(current_app.extensions.get("replica"))
            if engine is not None:
                return engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


#: Sessions send a replica-reading request's SELECTs to ``DATABASE_REPLICA_URL`` (core/replica.py).
db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION), session_options={"class_": RoutingSession})
migrate = Migrate(compare_type=True, render_as_batch=True)
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
#: Rate limits: in memory by default, in Redis when REDIS_URL is set (production requires it, see config.py), keyed
#: on request.remote_addr: the client the TRUSTED_PROXIES proxies name (core/security.register), else the peer.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
