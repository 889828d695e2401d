import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"


def id_number_check_char(first17):
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def validate_id_number(value):
    """Resident identity card number (GB 11643): 17 digits and an ISO 7064 MOD 11-2 check character."""
    if not value:
        return
    v = value.upper()
    if not re.fullmatch(r"\d{17}[\dX]", v):
        raise ValidationError(_("An ID number has 18 characters: 17 digits and a digit or X."), code="id_format")
    if id_number_check_char(v[:17]) != v[17]:
        raise ValidationError(_("This ID number's check character is wrong; please re-check it."), code="id_check")


def validate_phone(value):
    if value and not re.fullmatch(r"(1\d{10})|(0\d{2,3}-?\d{7,8})", value):
        raise ValidationError(_("Enter an 11-digit mobile number or a landline such as 027-87654321."), code="phone")


validate_3_digits = RegexValidator(r"^\d{3}$", gettext_lazy("Enter exactly 3 digits."), code="digits")
validate_6_digits = RegexValidator(r"^\d{6}$", gettext_lazy("Enter exactly 6 digits."), code="digits")
