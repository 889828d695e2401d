from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from accounts import views as account_views
from assets import api as assets_api
from cocreate import api as cocreate_api
from common.views import healthz
from grids import api as grids_api
from planning import api as planning_api
from responsibility import api as responsibility_api

router = DefaultRouter()
router.register("districts", grids_api.DistrictViewSet, basename="district")
router.register("streets", grids_api.StreetViewSet, basename="street")
router.register("communities", grids_api.CommunityViewSet, basename="community")
router.register("cells", grids_api.GridCellViewSet, basename="gridcell")
router.register("compounds", grids_api.CompoundViewSet, basename="compound")
router.register("buildings", grids_api.BuildingViewSet, basename="building")
router.register("households", grids_api.HouseholdViewSet, basename="household")
router.register("assignments", grids_api.GridAssignmentViewSet, basename="gridassignment")
router.register("asset-families", assets_api.AssetFamilyViewSet, basename="assetfamily")
router.register("asset-types", assets_api.AssetTypeViewSet, basename="assettype")
router.register("assets", assets_api.AssetViewSet, basename="asset")
router.register("adoptions", assets_api.AdoptionViewSet, basename="adoption")
router.register("adoption-coverage", assets_api.AdoptionCoverageViewSet, basename="adoption-coverage")
router.register("service-area", assets_api.ServiceAreaViewSet, basename="service-area")
router.register("responsibility-areas", responsibility_api.AreaViewSet, basename="responsibilityarea")
router.register("parties", responsibility_api.PartyViewSet, basename="party")
router.register("zones", planning_api.ZoneViewSet, basename="zone")
router.register("renovation-projects", planning_api.ProjectViewSet, basename="renovation-project")
router.register("needs", cocreate_api.NeedViewSet, basename="need")
router.register("mediations", cocreate_api.MediationViewSet, basename="mediation")

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("accounts/logout/", account_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/responsibility/", responsibility_api.responsibility_lookup, name="responsibility-lookup"),
    path("api/v1/assignments/bulk/", responsibility_api.bulk_assign, name="assignment-bulk"),
    path("api/v1/communities/<int:pk>/coverage/", responsibility_api.community_coverage, name="community-coverage"),
    path("api/v1/", include((router.urls, "api"))),
    path("grids/", include("grids.urls")),
    path("layers/", include("layers.urls")),
    path("tiles/", include("layers.tile_urls")),
    path("assets/", include("assets.urls")),
    path("responsibility/", include("responsibility.urls")),
    path("cases/", include("cases.urls")),
    path("open311/v2/", include("cases.open311")),
    path("planning/", include("planning.urls")),
    path("cogov/", include("cogov.urls")),
    path("cocreate/", include("cocreate.urls")),
    path("field/", include("field.urls")),
    path("inspections/", include("inspections.urls")),
    path("ogc/", include("ogc.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Error pages in the site's layout and the reader's language (500: Django's handler with templates/500.html).
handler403 = "gridwork.errors.permission_denied"
handler404 = "gridwork.errors.page_not_found"
