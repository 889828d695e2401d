"""Masking of personal data for display: phones, ID numbers and names."""


def mask_phone(value):
    """138****1234 for an 11-digit mobile; keeps only the first 3 and last 4 digits of any number."""
    if not value:
        return ""
    digits = str(value)
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_id_number(value):
    """4201**********1234: region prefix and the last four characters only."""
    if not value:
        return ""
    s = str(value)
    if len(s) <= 8:
        return "*" * len(s)
    return s[:4] + "*" * (len(s) - 8) + s[-4:]


def mask_name(value):
    """张*, 欧阳** : the surname's first character only."""
    if not value:
        return ""
    s = str(value)
    return s[0] + "*" * (len(s) - 1) if len(s) > 1 else "*"


def mask_any(value):
    """Masking for values whose field is not known (the audit trail): numbers like phones/IDs, text like names."""
    s = "" if value is None else str(value)
    digits = s.replace("-", "").replace("X", "").replace("x", "")
    if digits.isdigit() and len(s) >= 15:
        return mask_id_number(s)
    if digits.isdigit():
        return mask_phone(s)
    return mask_name(s)


class Masked:
    """Mixin of models that hold personal data: PERSONAL_FIELDS maps each such field to its mask function, and
    masked(field) gives the value as pages may show it."""

    PERSONAL_FIELDS = {}

    def masked(self, field):
        return self.PERSONAL_FIELDS[field](getattr(self, field))
