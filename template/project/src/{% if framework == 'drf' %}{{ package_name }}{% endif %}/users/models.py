"""Accounts (an email address instead of a username, a UUID as their public id, or an identity
provider's subject in OIDC mode) and their refresh tokens."""

import uuid
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models


class UserManager(BaseUserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> "User":
        # Emails are stored lower-cased: logins, in the API and the admin, ignore case.
        return self.get(email=(username or "").strip().lower())

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        user = self.model(email=email.strip().lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        return self.create_user(email, password, is_staff=True, is_superuser=True, **fields)

    def create_external_user(self, subject: str, email: str | None) -> "User":
        """An account of the identity provider's `subject`: it has no password here."""
        user = self.model(subject=subject, email=email)
        user.set_unusable_password()
        user.save(using=self._db)
        return user


class User(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Null only for an account of the identity provider (OIDC mode) that has no email address.
    email = models.EmailField(max_length=320, unique=True, null=True, blank=True)
    # The identity provider's `sub` (OIDC mode); null for local accounts.
    subject = models.CharField(max_length=255, unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="Whether the user can log into the admin site."
    )

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return self.email or self.subject or str(self.id)


class RefreshToken(models.Model):
    """One refresh token of a family (the login it descends from); the token is never stored,
    only its SHA-256 digest (core/sessions.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_tokens")
    family_id = models.UUIDField(db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    # Set when the token was exchanged for the next one of its family.
    spent_at = models.DateTimeField(null=True)
    # Set when its family was ended: logout, a password change, or the reuse of a spent token.
    revoked_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "refresh_tokens"

    def __str__(self) -> str:
        return f"refresh token {self.id} of family {self.family_id}"
