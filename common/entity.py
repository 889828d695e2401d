"""Generic spatial entity: one registration gives list + map, detail, create, edit and delete pages.

    entity = SpatialEntity(Building, geom_field="footprint", api="building", list_fields=[...], form_fields=[...])
    urlpatterns += entity.urls()

Pages read from the app's JSON API for their map layer (same filters, same access rules), show
personal fields masked, and write through the model's own clean(), so forms and the API refuse the same input.
"""

import django_filters
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import transaction
from django.forms import Form, modelform_factory
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views import generic
from leaflet.forms.widgets import LeafletWidget

from common import deletion
from common.hooks import access_policy as policy
from common.hooks import exporter
from common.models import PersonalDataReveal
from common.params import ParamError, parse_int, raw


class SpatialEntity:
    def __init__(
        self,
        model,
        *,
        geom_field,
        api,
        list_fields,
        form_fields,
        detail_fields=None,
        filter_fields=(),
        queryset=None,
        public=True,
        labels=None,
        scope=None,
    ):
        self.model = model
        self.geom_field = geom_field
        self.api = api  # DRF basename: the map layer reads /api/v1/<api>/
        self.list_fields = list_fields
        self.form_fields = form_fields
        self.detail_fields = detail_fields or list_fields
        self.filter_fields = filter_fields
        self.queryset = queryset or (lambda: model._default_manager.all())
        self.public = public
        self.labels = labels or {}  # column titles of annotations and properties
        self.scope = scope  # scope(queryset, user) → the records this user may see
        meta = model._meta
        self.name = meta.model_name
        self.app_label = meta.app_label
        self.personal = getattr(model, "PERSONAL_FIELDS", {})

    # --- naming -------------------------------------------------------------------------
    def url_name(self, action):
        return f"{self.app_label}:{self.name}-{action}"

    def perm(self, action):
        return f"{self.app_label}.{action}_{self.name}"

    # --- display ------------------------------------------------------------------------
    def label(self, field):
        if field in self.labels:
            return self.labels[field]
        try:
            return self.model._meta.get_field(field).verbose_name
        except FieldDoesNotExist:
            attr = getattr(self.model, field, None)
            return getattr(getattr(attr, "fget", None), "short_description", field.replace("_", " "))

    def value(self, obj, field, reveal=False):
        if field in self.personal and not reveal:
            return obj.masked(field)
        display = getattr(obj, f"get_{field}_display", None)
        if display:
            return display()
        value = getattr(obj, field, "")
        if value is True:
            return _("yes")
        if value is False:
            return _("no")
        return "" if value is None else value

    def rows(self, objects, fields, reveal=False):
        return [(obj, [self.value(obj, f, reveal) for f in fields]) for obj in objects]

    # --- views --------------------------------------------------------------------------
    def filterset(self):
        entity = self
        meta = type("Meta", (), {"model": entity.model, "fields": list(entity.filter_fields)})
        return type(f"{entity.model.__name__}PageFilter", (django_filters.FilterSet,), {"Meta": meta})

    def urls(self):
        e = self
        return [
            path(f"{e.name}/", e.view(EntityList), name=f"{e.name}-list"),
            path(f"{e.name}/new/", e.view(EntityCreate), name=f"{e.name}-create"),
            path(f"{e.name}/<int:pk>/", e.view(EntityDetail), name=f"{e.name}-detail"),
            path(f"{e.name}/<int:pk>/edit/", e.view(EntityUpdate), name=f"{e.name}-update"),
            path(f"{e.name}/<int:pk>/delete/", e.view(EntityDelete), name=f"{e.name}-delete"),
            path(f"{e.name}/export/", e.view(EntityExport), name=f"{e.name}-export"),
        ]

    def view(self, base):
        return base.as_view(entity=self)

    def form_class(self):
        widgets = {self.geom_field: LeafletWidget()}
        return modelform_factory(self.model, fields=self.form_fields, widgets=widgets)


class EntityMixin:
    entity: SpatialEntity = None

    def get_queryset(self):
        qs = self.entity.queryset()
        if self.entity.scope:
            qs = self.entity.scope(qs, self.request.user)
        return policy.scope(self.request.user, "view", qs)  # outside the user's area: not found

    def get_template_names(self):
        e = self.entity
        return [f"{e.app_label}/{e.name}_{self.action}.html", f"entity/{self.action}.html"]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        e = self.entity
        ctx.update(
            entity=e,
            verbose_name=e.model._meta.verbose_name,
            verbose_name_plural=e.model._meta.verbose_name_plural,
            list_url=reverse(e.url_name("list")),
            create_url=reverse(e.url_name("create")),
            can_add=policy.may_somewhere(self.request.user, "add", e.model),
            can_change=self.may("change"),
            can_delete=self.may("delete"),
            api_url=reverse(f"api:{e.api}-list"),
        )
        return ctx

    def may(self, action):
        """May the user take `action` on the page's record (or, on a list, on some record)?"""
        obj = getattr(self, "object", None)
        if isinstance(obj, self.entity.model) and obj.pk:
            return policy.allows(self.request.user, action, obj)
        return policy.may_somewhere(self.request.user, action, self.entity.model)

    def dispatch(self, request, *args, **kwargs):
        if not self.entity.public and not policy.may_somewhere(request.user, "view", self.entity.model):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class EntityList(EntityMixin, generic.ListView):
    action = "list"
    paginate_by = 50

    def get_queryset(self):
        self.filter = self.entity.filterset()(self.request.GET or None, queryset=super().get_queryset())
        return self.filter.qs

    def paginate_queryset(self, queryset, page_size):
        page = raw(self.request.GET, self.page_kwarg)
        if page is not None and page != "last":
            parse_int(self.request.GET, self.page_kwarg, min=1)  # a 400 naming ?page= rather than a 404
        return super().paginate_queryset(queryset, page_size)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        e = self.entity
        ctx["filter"] = self.filter
        ctx["columns"] = [e.label(f) for f in e.list_fields]
        ctx["rows"] = e.rows(ctx["object_list"], e.list_fields)
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx["querystring"] = query.urlencode()
        ids = [obj.pk for obj in ctx["object_list"]]
        ctx["map_ids"] = ",".join(str(i) for i in ids)
        page = ctx.get("page_obj")
        ctx["map_config"] = {
            "api": ctx["api_url"],
            "query": ctx["querystring"],
            "page": page.number if page else 1,
            "pageSize": self.paginate_by,
            "detail": reverse(e.url_name("detail"), args=[0]),
        }
        ctx["export_url"] = reverse(e.url_name("export"))
        ctx["export_formats"] = EXPORT_FORMATS
        ctx["export_labels"] = exporter.LABELS
        return ctx


# --- export: the list with its current filters as a file (written by common.hooks.exporter) -------------
EXPORT_FORMATS = [
    ("gpkg", "GeoPackage"),
    ("shp", "Shapefile"),
    ("geojson", "GeoJSON"),
    ("csv", "CSV"),
    ("xlsx", "XLSX"),
]


class EntityExport(EntityMixin, generic.View):
    """?format=gpkg|shp|geojson|csv|xlsx&crs=4326 plus the list's filters; personal fields masked as on the list."""

    def get(self, request, *args, **kwargs):
        e = self.entity
        export = exporter
        fmt = raw(request.GET, "format") or "gpkg"
        if fmt not in export.FORMATS:
            raise ParamError("format", export.unknown_format(fmt))
        srid = export.export_srid(raw(request.GET, "crs"))  # a ParamError naming crs when it is not one we write
        params = request.GET.copy()
        for key in ("format", "crs", "page", "confirm"):
            params.pop(key, None)
        qs = e.filterset()(params or None, queryset=self.get_queryset()).qs  # the records this user may read
        qs = export.with_export_geometry(qs, e.geom_field, srid)[: export.MAX_ROWS]
        fields = list(e.list_fields)
        rows = ((obj.pk, obj.export_geom, [e.value(obj, f) for f in fields]) for obj in qs)
        return export.export_response(name=e.name, fmt=fmt, srid=srid, columns=fields, rows=list(rows), request=request)


class EntityDetail(EntityMixin, generic.DetailView):
    action = "detail"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        e = self.entity
        user = self.request.user
        can_reveal = bool(e.personal) and policy.allows(user, f"{e.app_label}.reveal_personal_data", self.object)
        reveal = can_reveal and self.request.GET.get("reveal") == "1"
        if reveal:
            PersonalDataReveal.objects.create(
                user=user, model=f"{e.app_label}.{e.name}", object_id=str(self.object.pk), fields=",".join(e.personal)
            )
        ctx["reveal"] = reveal
        ctx["can_reveal"] = can_reveal
        ctx["fields"] = [(e.label(f), e.value(self.object, f, reveal)) for f in e.detail_fields]
        geom = getattr(self.object, e.geom_field)
        ctx["geojson"] = geom.geojson if geom else "null"
        return ctx


class EntityWriteMixin(EntityMixin, LoginRequiredMixin, UserPassesTestMixin):
    """Writes follow the access policy: the record must lie in the user's area before the change (otherwise 404
    when they cannot read it, 403 when they can) and after it, with the fields the save derives (a building moved
    into another community is refused and nothing is saved)."""

    def test_func(self):
        return policy.may_somewhere(self.request.user, self.perm_action, self.entity.model)

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not policy.allows(self.request.user, self.perm_action, obj):
            raise PermissionDenied(policy.denied_message(self.perm_action, obj))
        return obj

    def get_form_class(self):
        return self.entity.form_class()

    def form_valid(self, form):
        try:
            response = None

            def save():
                nonlocal response
                response = super(EntityWriteMixin, self).form_valid(form)
                return self.object

            policy.save_checked(self.request.user, self.perm_action, save)
        except PermissionDenied as exc:
            if self.perm_action == "add":
                self.object = None
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("Saved %(obj)s.") % {"obj": self.object})
        return response

    def get_success_url(self):
        return reverse(self.entity.url_name("detail"), args=[self.object.pk])


class EntityCreate(EntityWriteMixin, generic.CreateView):
    action = "form"
    perm_action = "add"


class EntityUpdate(EntityWriteMixin, generic.UpdateView):
    action = "form"
    perm_action = "change"


class EntityDelete(EntityWriteMixin, generic.DeleteView):
    action = "confirm_delete"
    perm_action = "delete"

    def get_form_class(self):
        return Form  # the confirmation carries no fields (the entity's model form would never be valid here)

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.object.delete()
        except deletion.BLOCKING as exc:
            # Nothing is deleted; the page says which records (kinds and counts) still refer to this one.
            return render(
                self.request,
                "common/protected.html",
                {
                    "object": self.object,
                    "message": deletion.message(exc, self.object),
                    "references": [(label, n) for label, n, _key in deletion.references(exc)],
                    "back_url": reverse(self.entity.url_name("detail"), args=[self.object.pk]),
                },
                status=409,
            )
        messages.success(self.request, _("Deleted %(obj)s.") % {"obj": self.object})
        return redirect(reverse(self.entity.url_name("list")))
