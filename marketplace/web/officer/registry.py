"""Officers keep the certificate registry: search, history, issue, renew, upgrade, revoke, correct, upload."""

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.access import policy
from marketplace.access import registry as registry_data
from marketplace.access.decorators import role_required
from marketplace.accounts.onboarding import rematch_pending
from marketplace.core import uploads
from marketplace.core.clock import today
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.jobs import imports
from marketplace.jobs.models import ImportRun
from marketplace.reference.lookup import provinces
from marketplace.registry import gtin as gtins
from marketplace.registry import lifecycle
from marketplace.registry.importer import import_registry, officer_scope
from marketplace.registry.rules import certificate_status, explaining_certificate
from marketplace.web.officer.blueprint import bp
from marketplace.web.officer.forms import CorrectForm, DecisionForm, GtinForm, RevokeForm, UploadForm


@bp.get("/registry")
@role_required("officer", "admin")
def registry():
    """Certified products of the officer's province (or the country), searchable by name, entity or number."""
    query = request.args.get("q", "")
    found = registry_data.find_products(current_user, query, request.args.get("page", 1, type=int))
    certificates = registry_data.certificates_of([product.id for product, _ in found.rows])
    day = today()
    items = [(product, entity, certificates.get(product.id, []),
              explaining_certificate(certificates.get(product.id, []), day)) for product, entity in found.rows]
    return render_template("officers/registry.html", items=items, found=found, query=query, day=day,
                           status_of=certificate_status)


@bp.get("/products/<int:product_id>")
@role_required("officer", "admin")
def product(product_id):
    """A product's certificate history and what the officer may do with it."""
    item, entity = registry_data.product_in_scope(current_user, product_id)
    history = registry_data.certificates_of([item.id]).get(item.id, [])
    return render_template("officers/product.html", product=item, entity=entity, history=history, day=today(),
                           status_of=certificate_status, decision_form=DecisionForm(), revoke_form=RevokeForm(),
                           province=provinces()[item.province_code],
                           gtin_form=GtinForm(gtin=gtins.shown(item.gtin) if item.gtin else ""))


@bp.post("/products/<int:product_id>/gtin")
@role_required("officer", "admin")
def set_gtin(product_id):
    """Set or clear a product's GTIN (audited); an invalid or taken one is refused with the reason."""
    item, _entity = registry_data.product_in_scope(current_user, product_id)
    form = GtinForm()
    if not form.validate_on_submit():
        return _invalid(form, item.id)
    try:
        gtins.set_gtin(item, form.gtin.data)
    except Refused as refusal:
        flash(refusal.message, "error")
        return redirect(url_for("officer.product", product_id=item.id))
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("officer.product", product_id=item.id))


def _decision(form):
    return lifecycle.Decision(
        number=form.number.data, decision_number=form.decision_number.data, decision_date=form.decision_date.data,
        issuing_authority=form.issuing_authority.data, stars=form.stars.data,
        score=float(form.score.data) if form.score.data is not None else None,
        valid_from=form.valid_from.data, valid_until=form.valid_until.data)


def _act(product_id, action):
    """Run ``action`` (which may raise TransitionError), commit, and go back to the product's page."""
    try:
        action()
    except lifecycle.TransitionError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Saved. The storefront, search and verification page show it now."), "success")
    return redirect(url_for("officer.product", product_id=product_id))


def _invalid(form, product_id):
    for field, messages in form.errors.items():
        flash(f"{getattr(form, field).label.text}: {' '.join(map(str, messages))}", "error")
    return redirect(url_for("officer.product", product_id=product_id))


@bp.post("/products/<int:product_id>/issue")
@role_required("officer", "admin")
def issue(product_id):
    """Record a new recognition decision for a product."""
    item, _entity = registry_data.product_in_scope(current_user, product_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _invalid(form, item.id)
    return _act(item.id, lambda: lifecycle.issue(current_user, item, _decision(form)))


@bp.post("/certificates/<int:certificate_id>/<any(renew, upgrade):kind>")
@role_required("officer", "admin")
def supersede(certificate_id, kind):
    """Renewal after re-evaluation, or upgrade: a new certificate that takes over from this one."""
    certificate, item = registry_data.certificate_in_scope(current_user, certificate_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _invalid(form, item.id)
    operation = lifecycle.renew if kind == "renew" else lifecycle.upgrade
    return _act(item.id, lambda: operation(current_user, certificate, item, _decision(form)))


@bp.post("/certificates/<int:certificate_id>/revoke")
@role_required("officer", "admin")
def revoke(certificate_id):
    """Revoke a certificate on a ground of Điều 8."""
    certificate, item = registry_data.certificate_in_scope(current_user, certificate_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        return _invalid(form, item.id)
    return _act(item.id, lambda: lifecycle.revoke(current_user, certificate, item, form.ground.data, form.text.data,
                                                  form.revoked_on.data))


@bp.route("/certificates/<int:certificate_id>/correct", methods=["GET", "POST"])
@role_required("officer", "admin")
def correct(certificate_id):
    """Correct a typo in a certificate (audited)."""
    certificate, item = registry_data.certificate_in_scope(current_user, certificate_id)
    form = CorrectForm(obj=certificate)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in ("number", "decision_number", "decision_date",
                                                               "issuing_authority", "valid_from", "valid_until")}
        return _act(item.id, lambda: lifecycle.correct(current_user, certificate, item, **values))
    return render_template("officers/correct.html", form=form, certificate=certificate, product=item), (
        400 if form.errors else 200)


@bp.route("/registry/upload", methods=["GET", "POST"])
@role_required("officer", "admin")
def upload():
    """Upload a registry file: the same validation and dry-run report as `flask registry import`."""
    form = UploadForm()
    if form.validate_on_submit():
        if imports.wants_job(form.file.data):  # a large file, with a queue: the worker checks it, the page polls
            run = imports.start("registry", current_user, form.file.data)
            db.session.commit()
            return redirect(url_for("officer.upload_run", run_id=run.id))
        result, token = uploads.dry_run(form.file.data, current_user.id, lambda path: import_registry(
            path, dry_run=True, actor=current_user.email, check_row=officer_scope(current_user)))
        return render_template("officers/upload.html", form=form, result=result, token=token), (
            200 if result.ok else 400)
    return render_template("officers/upload.html", form=form, result=None), 400 if form.errors else 200


@bp.post("/registry/upload/<token>")
@role_required("officer", "admin")
def confirm_upload(token):
    """Import a file that passed its dry run (only the uploader's own files are found)."""
    result = uploads.run_stashed(current_user.id, token, lambda path: import_registry(
        path, actor=current_user.email, check_row=officer_scope(current_user), after_write=rematch_pending))
    if result.ok:
        flash(_("Imported: %(summary)s", summary=result.summary()), "success")
    else:
        flash(_("Nothing was imported: the file has errors."), "error")
    return redirect(url_for("officer.registry"))


@bp.get("/registry/upload/runs/<int:run_id>")
@role_required("officer", "admin")
def upload_run(run_id):
    """A large registry file on the job worker: progress (the page reloads itself), the report, then the outcome."""
    run = policy.get_or_404(imports.runs_of(current_user), run_id, ImportRun)
    return render_template("officers/upload_run.html", run=run, result=imports.result_of(run),
                           finished=imports.as_json(run)["finished"])


@bp.get("/registry/upload/runs/<int:run_id>.json")
@role_required("officer", "admin")
def upload_run_json(run_id):
    """The run's stage and progress, for a page or a script that polls."""
    return jsonify(imports.as_json(policy.get_or_404(imports.runs_of(current_user), run_id, ImportRun)))


@bp.post("/registry/upload/runs/<int:run_id>/confirm")
@role_required("officer", "admin")
def confirm_upload_run(run_id):
    """Import a large file that passed its check: the worker does it (a second click changes nothing)."""
    run = policy.get_or_404(imports.runs_of(current_user), run_id, ImportRun)
    if imports.confirm(run):
        db.session.commit()
    return redirect(url_for("officer.upload_run", run_id=run.id))


