"""Background jobs for admins: failed and retrying jobs with their last error, and a retry for a failed one."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.access.decorators import role_required
from marketplace.core import jobs
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.jobs import monitor
from marketplace.web.admin.blueprint import bp

#: procrastinate's job statuses, as admins read them.
STATUS_NAMES = {"todo": _l("Waiting"), "doing": _l("Running"), "succeeded": _l("Done"), "failed": _l("Failed"),
                "cancelled": _l("Cancelled"), "aborting": _l("Stopping"), "aborted": _l("Stopped")}


@bp.get("/jobs")
@role_required("admin")
def jobs_page():
    """Jobs that failed (no retry left) or wait to be tried again, newest first, with counts by status."""
    return render_template("admin/jobs.html", problems=monitor.problem_jobs(), counts=monitor.counts(),
                           queued=jobs.queued(), status_names=STATUS_NAMES)


@bp.post("/jobs/<int:job_id>/retry")
@role_required("admin")
def retry_job(job_id):
    """Put a failed job back in the queue to run now."""
    try:
        monitor.retry(job_id)
    except Refused as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The job is queued again."), "success")
    return redirect(url_for("admin.jobs_page"))
