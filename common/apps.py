from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = _("Common")

    def ready(self):
        from common import checks  # noqa: F401 (registers the settings checks)
        from common.images import set_pillow_limit

        set_pillow_limit()
