"""Sign-in, registration, e-mail verification, password reset, profile, personal data, invitations."""

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from marketplace.accounts import addresses, consent, services
from marketplace.accounts import onboarding as vendor_services
from marketplace.core.errors import Refused
from marketplace.core.i18n import cookie_language, current_locale
from marketplace.core.security import safe_next
from marketplace.extensions import db, limiter
from marketplace.shop.cart import services as cart_services
from marketplace.shop.cart import wishlist
from marketplace.shop.orders.claims import claim_guest_orders
from marketplace.web.account.blueprint import bp
from marketplace.web.account.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    LoginForm,
    MarketingConsentForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    SignInLinkForm,
    UseSignInLinkForm,
)


def _limit(name):
    return lambda: current_app.config[name]


def _failed(response):
    """Only failed sign-ins count against the limit (a success redirects)."""
    return response.status_code != 302


def start_session(user, remember):
    """Sign in with a fresh session (no fixation), keeping the basket, the language and recently viewed products.

    A verified account also gets the guest orders placed with its address meanwhile.
    """
    cart_token = session.get(cart_services.SESSION_KEY)
    chosen = session.get("lang") or cookie_language()
    viewed = session.get(wishlist.SESSION_KEY, [])
    session.clear()
    login_user(user, remember=remember)
    if chosen in current_app.config["LANGUAGES"] and chosen != user.preferred_locale:
        services.update_profile(user, user.name, chosen)  # the language chosen on this device becomes the account's
    session["lang"] = user.preferred_locale
    if cart_token:
        cart_services.merge_on_login(user, {cart_services.SESSION_KEY: cart_token})
    wishlist.merge_on_login(user, viewed)
    claim_guest_orders(user)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_LOGIN"), methods=["POST"], deduct_when=_failed)
def login():
    """Sign in; errors never say whether the address has an account."""
    if current_user.is_authenticated:
        return redirect(url_for("account.profile"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.SignInLocked as locked:
            db.session.commit()
            page = render_template("accounts/login.html", form=form, locked=locked.message)
            return page, 429, {"Retry-After": str(locked.retry_after)}
        if user is not None:
            next_url = safe_next(request.args.get("next"))
            start_session(user, form.remember.data)
            db.session.commit()
            return redirect(next_url or url_for("storefront.home"))
        db.session.commit()
        form.password.errors.append(_("The e-mail address or the password is not correct."))
        return render_template("accounts/login.html", form=form), 401
    return render_template("accounts/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    """Sign out: every session of the account ends on the server (see ``services.sign_out``), then this one."""
    services.sign_out(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("storefront.home"))


@bp.route("/login/link", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_PASSWORD_RESET"), methods=["POST"])
def sign_in_link():
    """Ask for a single-use sign-in link; the answer is the same whether the account exists or not."""
    form = SignInLinkForm()
    if form.validate_on_submit():
        services.request_sign_in_link(form.email.data)
        db.session.commit()
        return render_template("accounts/check_mail.html", email=services.normalize_email(form.email.data),
                               sign_in_link=True)
    return render_template("accounts/sign_in_link.html", form=form), 400 if form.errors else 200


@bp.route("/login/link/<token>", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_PASSWORD_RESET"), methods=["POST"])
def sign_in_with_link(token):
    """Sign in from a mailed link: the page asks for a click, the click signs in once."""
    user = services.user_for_sign_in_token(token)
    if user is None:
        return render_template("accounts/message.html", title=_("This link is not valid"),
                               text=_("Sign-in links work once and expire after 15 minutes. Ask for a new one.")), 400
    form = UseSignInLinkForm()
    if form.validate_on_submit():
        services.sign_in_with_link(token)
        start_session(user, remember=False)
        db.session.commit()
        return redirect(url_for("storefront.home"))
    return render_template("accounts/sign_in_with_link.html", form=form, email=user.email), 400 if form.errors else 200


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_REGISTER"), methods=["POST"])
def register():
    """Customer self-registration; a verification link is e-mailed."""
    form = RegisterForm(preferred_locale=current_locale())
    if form.validate_on_submit():
        try:
            user = services.register(form.email.data, form.password.data, form.name.data,
                                     form.preferred_locale.data)
        except Refused as error:
            form.password.errors.append(error.message)
        else:
            if user is not None and form.marketing.data:  # never for an address that already had an account
                consent.choose(user, True, request.remote_addr)
            db.session.commit()
            return render_template("accounts/check_mail.html", email=services.normalize_email(form.email.data))
    return render_template("accounts/register.html", form=form), 400 if form.errors else 200


@bp.get("/verify-email/<token>")
def verify_email(token):
    """Confirm an e-mail address from the link; the guest orders placed with that address join the account."""
    user = services.verify_email(token)
    if user is None:
        return render_template("accounts/message.html", title=_("This link is not valid"),
                               text=_("The link is wrong or has expired. Sign in to ask for a new one.")), 400
    claim_guest_orders(user)
    db.session.commit()
    flash(_("Thank you: your e-mail address is confirmed."), "success")
    return redirect(url_for("account.login") if not current_user.is_authenticated else url_for("account.profile"))


@bp.post("/verify-email/resend")
@login_required
@limiter.limit(_limit("RATELIMIT_PASSWORD_RESET"))
def resend_verification():
    """Send the verification link again."""
    if current_user.email_verified_at is None:
        services.send_verification(current_user)
        db.session.commit()  # the mail is a job of this transaction
    flash(_("We sent the confirmation link again."), "success")
    return redirect(url_for("account.profile"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_PASSWORD_RESET"), methods=["POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether the account exists or not."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("accounts/check_mail.html", email=services.normalize_email(form.email.data),
                               reset=True)
    return render_template("accounts/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_PASSWORD_RESET"), methods=["POST"])
def reset_password(token):
    """Choose a new password from a single-use, expiring link."""
    if services.user_for_reset_token(token) is None:
        return render_template("accounts/message.html", title=_("This link is not valid"),
                               text=_("Reset links work once and expire after one hour. Ask for a new one.")), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
        except Refused as error:
            form.password.errors.append(error.message)
        else:
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("Your password has been changed. Sign in with the new one."), "success")
            return redirect(url_for("account.login", email=user.email))
    return render_template("accounts/reset.html", form=form), 400 if form.errors else 200


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    """Name and preferred language; the saved delivery addresses."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(current_user, form.name.data, form.preferred_locale.data)
        db.session.commit()
        session["lang"] = current_user.preferred_locale
        flash(_("Saved."), "success")
        return redirect(url_for("account.profile"))
    consent_form = MarketingConsentForm(formdata=None, marketing=consent.has_consent(current_user))
    return render_template("accounts/profile.html", form=form, delete_form=DeleteAccountForm(),
                           saved=addresses.of(current_user), consent_form=consent_form), 400 if form.errors else 200


@bp.post("/account/consent")
@login_required
def marketing_consent():
    """Give or withdraw consent to marketing mail; each change is recorded with its time and address."""
    form = MarketingConsentForm()
    if not form.validate_on_submit():
        abort(400)
    consent.choose(current_user, form.marketing.data, request.remote_addr)
    db.session.commit()
    flash(_("You will receive news and offers by e-mail.") if form.marketing.data
          else _("You will not receive news and offers by e-mail."), "success")
    return redirect(url_for("account.profile", _anchor="marketing"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; every other session is signed out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data)
        except Refused as error:
            form.password.errors.append(error.message)
        else:
            db.session.commit()
            start_session(current_user._get_current_object(), remember=False)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("account.profile"))
    return render_template("accounts/password.html", form=form), 400 if form.errors else 200


@bp.get("/account/data")
@login_required
def export_data():
    """Download everything we hold about the signed-in user, as JSON (the account's own data, then its habits)."""
    data = {**services.export_data(current_user), **wishlist.export(current_user)}
    db.session.commit()
    response = jsonify(data)
    response.headers["Content-Disposition"] = "attachment; filename=ocop-market-my-data.json"
    return response


@bp.post("/account/delete")
@login_required
def delete_account():
    """Delete the account after confirming the password."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_account(current_user, form.password.data)
        except Refused as error:
            flash(error.message, "error")
            return redirect(url_for("account.profile"))
        wishlist.forget(current_user)
        db.session.commit()
        logout_user()
        session.clear()
        return render_template("accounts/message.html", title=_("Your account has been deleted"),
                               text=_("Your personal details have been erased. Thank you for using OCOP Market."))
    abort(400)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@login_required
def accept_invitation(token):
    """Accept an owner's invitation to join their entity as staff."""
    invitation = vendor_services.open_invitation(token)
    if invitation is None:
        return render_template("accounts/message.html", title=_("This invitation is not valid"),
                               text=_("It may have expired or been used already. Ask the owner for a new one.")), 400
    if request.method == "POST":
        try:
            vendor_services.accept_invitation(current_user, token)
        except Refused as error:
            flash(error.message, "error")
            return render_template("accounts/invitation.html", invitation=invitation, token=token), 400
        else:
            db.session.commit()
            return redirect(url_for("vendor.dashboard"))
    return render_template("accounts/invitation.html", invitation=invitation, token=token)
