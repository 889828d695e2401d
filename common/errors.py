"""A model's ValidationError (from clean() or a service) handed on to a form or an API answer with its messages.

A Django ValidationError either maps fields to messages (`error_dict`) or holds a list of messages for the record as
a whole; every caller used to tell the two apart by hand.
"""

from rest_framework import exceptions


def error_items(exc, non_field=None):
    """(field, [messages]) pairs of the error; messages that name no field come under `non_field`."""
    if hasattr(exc, "error_dict"):
        return list(exc.message_dict.items())
    return [(non_field, exc.messages)]


def error_dict(exc, non_field="non_field_errors"):
    """The error as {field: [messages]}, for a 400 body."""
    return dict(error_items(exc, non_field))


def add_to_form(form, exc):
    """Each message on its field of the form, or on the form as a whole when the form has no such field."""
    for field, messages in error_items(exc):
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def api_error(exc):
    """The error as DRF's ValidationError (a 400 with the same messages: by field, or a list)."""
    return exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
