"""A member's own credentials: their password, their e-mail address and their private feed key."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from ..mail import Mail, mail_send_later
from ..models import FeedKey, Member
from . import api_token_hash


def member_password_change(*, member: Member, password: str) -> Member:
    """Set a new password; the caller has checked the old one and validated the new one."""
    member.set_password(password)
    member.save(update_fields=["password"])
    return member


@transaction.atomic
def feed_key_create(*, member: Member) -> str:
    """A new private feed key for the member, replacing any earlier one.

    Only its SHA-256 is stored (as for API tokens), so the key is shown once. The key opens
    feeds and nothing else, which is why it is not an ApiToken: a leaked feed URL must not
    give access to the API.
    """
    key = f"sgf_{secrets.token_urlsafe(32)}"
    FeedKey.objects.filter(member=member).delete()
    FeedKey.objects.create(member=member, key_hash=api_token_hash(key))
    return key


def feed_key_revoke(*, member: Member) -> bool:
    """Revoke the member's private feed key; its URLs answer 404 from now on."""
    deleted, _ = FeedKey.objects.filter(member=member).delete()
    return deleted > 0


EMAIL_SALT = "reviews.email-verify"


def email_token(member: Member, address: str) -> str:
    return signing.dumps({"m": member.pk, "a": address}, salt=EMAIL_SALT, compress=True)


@transaction.atomic
def member_email_request(*, member: Member, address: str) -> Member:
    """Keep `address` as the member's address to verify, and mail it the link that verifies
    it; until then mail goes to the verified address, if any. The same address as the
    verified one just drops a pending change."""
    address = address.strip()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError({"email": [_("Enter a valid e-mail address.")]}) from None
    if len(address) > 254:
        raise ValidationError({"email": [_("Enter a valid e-mail address.")]})
    if address.lower() == member.email.lower():
        member.email_pending = ""
        member.save(update_fields=["email_pending"])
        return member
    member.email_pending = address
    member.save(update_fields=["email_pending"])
    link = f"{settings.SITE_URL}{reverse('email_verify', args=[email_token(member, address)])}"
    with translation.override(member.preferred_language):
        context = {"member": member, "link": link, "site_name": settings.SITE_NAME}
        mail_send_later(
            Mail(
                to=address,
                subject=_("Verify your e-mail address for %(site)s") % {"site": settings.SITE_NAME},
                text=render_to_string("reviews/email/verify_email.txt", context),
                html=render_to_string("reviews/email/verify_email.html", context),
            )
        )
    return member


def member_email_verify(*, token: str) -> Member:
    """Make the address in `token` the member's address, if it is still the one waiting.

    Links are good for PASSWORD_RESET_TIMEOUT; an older link, a link for an address since
    replaced, or an altered one is refused with a ValidationError.
    """
    try:
        data = signing.loads(token, salt=EMAIL_SALT, max_age=settings.PASSWORD_RESET_TIMEOUT)
    except signing.SignatureExpired:
        raise ValidationError(_("This link has expired: ask for a new one.")) from None
    except signing.BadSignature:
        raise ValidationError(_("This link is not valid.")) from None
    with transaction.atomic():
        member = Member.objects.select_for_update().filter(pk=data.get("m"), is_active=True).first()
        if member is None or not member.email_pending or member.email_pending != data.get("a"):
            raise ValidationError(_("This link is not valid any more: ask for a new one."))
        member.email = member.email_pending
        member.email_pending = ""
        member.save(update_fields=["email", "email_pending"])
    return member


def member_email_remove(*, member: Member) -> Member:
    """Forget the member's addresses: no mail goes out to them any more."""
    member.email = ""
    member.email_pending = ""
    member.save(update_fields=["email", "email_pending"])
    return member
