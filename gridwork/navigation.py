"""Which links of the navigation and the home page a user may follow: each answer is the check of the view behind
the link, so no link leads to a 403. Exposed to every template as `can_open` (a context processor); each answer
is computed on first use and kept for the request.

Links whose view checks a plain model permission stay as `perms.<app>.<codename>` in the templates; the ones here
are the views with a rule of their own (an area, a role, the import targets the user may write)."""

from django.utils.functional import cached_property


class Links:
    def __init__(self, user):
        self.user = user

    @cached_property
    def dashboard(self):
        """cogov.views.dashboard_home: the widest unit the user's role covers (accounts.scoping.home_unit)."""
        from accounts.scoping import home_unit

        return self.user.is_authenticated and home_unit(self.user) is not None

    @cached_property
    def imports(self):
        """layers.views.imports: at least one import target the user may write."""
        from layers.forms import target_choices

        return self.user.is_authenticated and bool(target_choices(self.user))

    @cached_property
    def cases(self):
        """The staff pages of cases (cases.views.staff_required): cases.access.may_open_staff_pages."""
        from cases.access import may_open_staff_pages

        return may_open_staff_pages(self.user)

    @cached_property
    def field(self):
        """The field workspace (field.views.field_staff_required): the same rule as the case pages."""
        return self.cases

    @cached_property
    def field_inbox(self):
        """How many cases wait for the user (field.inbox.badge_count: one COUNT query, kept a minute)."""
        from field.inbox import badge_count

        return badge_count(self.user) if self.field else 0

    @cached_property
    def admin(self):
        """The admin site: active staff accounts."""
        return self.user.is_active and self.user.is_staff


def links(request):
    return {"can_open": Links(request.user)}
