from django.urls import path

from .views import MeView, RegisterView, TokenView

urlpatterns = [
    path("auth/register", RegisterView.as_view(), name="register"),
    path("auth/token", TokenView.as_view(), name="token"),
    path("users/me", MeView.as_view(), name="me"),
]
