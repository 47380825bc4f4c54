from django.conf import settings
from django.urls import URLPattern, path

from .views import LogoutView, MeView, PasswordView, RefreshView, RegisterView, TokenView

urlpatterns: list[URLPattern] = [path("users/me", MeView.as_view(), name="me")]
# In OIDC mode the identity provider keeps the accounts: no local ones, no passwords here.
if settings.SERVICE.auth_mode == "local":
    urlpatterns = [
        path("auth/register", RegisterView.as_view(), name="register"),
        path("auth/token", TokenView.as_view(), name="token"),
        path("auth/refresh", RefreshView.as_view(), name="refresh"),
        path("auth/logout", LogoutView.as_view(), name="logout"),
        *urlpatterns,
        path("users/me/password", PasswordView.as_view(), name="password"),
    ]
