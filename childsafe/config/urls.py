from django.urls import include, path

from childsafe.config.api import api
from childsafe.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", core_views.login_view, name="login"),
    path("logout/", core_views.logout_view, name="logout"),
    path("account/password/", core_views.password_change_view, name="password_change"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accessibility/", core_views.accessibility, name="accessibility"),
    path("language/check", core_views.language_check, name="language_check"),
    path("people/", include("childsafe.people.urls")),
    path("incidents/", include("childsafe.incidents.urls")),
    path("missing/", include("childsafe.missing.urls")),
    path("referrals/", include("childsafe.referrals.urls")),
    path("protection/", include("childsafe.protection.urls")),
    path("investigations/", include("childsafe.investigations.urls")),
    path("offenders/", include("childsafe.offenders.urls")),
    path("exploitation/", include("childsafe.exploitation.urls")),
    path("oversight/", include("childsafe.oversight.urls")),
    path("partners/", include("childsafe.partners.urls")),
    path("linkage/", include("childsafe.linkage.urls")),
    path("demo/", include("childsafe.demo.urls")),
    path("files/", include("childsafe.files.urls")),
    path("two-factor/", include("childsafe.twofactor.urls")),
    path("api/v1/", api.urls),
]

handler404 = "childsafe.core.views.not_found"
handler403 = "childsafe.core.views.forbidden"
handler500 = "childsafe.core.views.server_error"
