"""Row notes of an import report, stored as a code with parameters and worded when read, in the reader's language.

A report row is [row number, status, record id, note]; the note is {"code": …, "params": {…}} (older reports hold
text). The messages of a model's own clean() and of its fields' validators are worded by the model, not here: they
are kept in every language of the site (`in_every_language`, a parameter {"i18n": {language: text}}) and the
reader's is shown. `text(note)` words one note; `summary(report)` counts the rows per reason: one line per reason,
with the first row numbers.
"""

import re
from collections import Counter, defaultdict

from django.conf import settings
from django.utils import translation
from django.utils.translation import get_language, gettext, gettext_noop, ngettext

NUMBERS = re.compile(r"\(?-?\d+(?:\.\d+)?(?:,\s*-?\d+(?:\.\d+)?)*\)?")

WORDS = {
    "no_geometry": gettext_noop("row has no geometry"),
    "repaired": gettext_noop("geometry repaired (%(reason)s)"),
    "unrepairable": gettext_noop("invalid geometry (%(reason)s) that cannot be repaired safely"),
    "repair_parts": gettext_noop("invalid geometry (%(reason)s): a repair would turn %(a)s part(s) into %(b)s"),
    "field": gettext_noop("%(field)s: %(message)s"),
    "key_empty": gettext_noop("the key field %(key)s is empty"),
    "several": gettext_noop("several records have %(key)s = %(value)s"),
    "invalid": gettext_noop("%(message)s"),
    "outside_area": gettext_noop("outside the area of the person who started the import"),
    "antimeridian": gettext_noop("split at the antimeridian (±180°) into parts on either side"),
    "duplicate_key": gettext_noop(
        "%(key)s = %(value)s is also in row %(first)s of this file: only that row is written (choose “merge pieces” "
        "to keep all of them as one multi-part geometry)"
    ),
    "merged": gettext_noop("%(key)s = %(value)s: merged with rows %(rows)s of this file into one multi-part geometry"),
    "merged_into": gettext_noop("merged into row %(first)s (%(key)s = %(value)s)"),
}


def note(code, **params):
    return {"code": code, "params": params}


def in_every_language(words):
    """{"i18n": {language: words()}} for each language of the site: `words` renders messages worded elsewhere (a
    model's clean(), a field's validators) under the active language."""
    out = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            out[code] = words()
    return {"i18n": out}


def _localised(value):
    """A parameter kept in every language, in the reader's (the site's default, or any, when theirs is missing)."""
    if isinstance(value, dict) and isinstance(value.get("i18n"), dict):
        texts = value["i18n"]
        language = get_language() or settings.LANGUAGE_CODE
        return texts.get(language) or texts.get(settings.LANGUAGE_CODE) or next(iter(texts.values()), "")
    return value


def joined(*notes):
    """Several notes of one row as one: a list of notes (empty ones left out)."""
    flat = []
    for n in notes:
        if isinstance(n, list):
            flat.extend(n)
        elif n:
            flat.append(n)
    return flat[0] if len(flat) == 1 else (flat or "")


def text(value):
    """The note worded in the active language."""
    if isinstance(value, list):
        return "; ".join(text(v) for v in value)
    if isinstance(value, dict) and value.get("code") in WORDS:
        words = gettext(WORDS[value["code"]])
        params = {k: _localised(v) for k, v in (value.get("params") or {}).items()}
        try:
            return words % params
        except (KeyError, TypeError, ValueError):
            return words
    return str(value or "")


def reasons(value):
    if isinstance(value, list):
        return [r for v in value for r in reasons(v)]
    if not value:
        return []
    if isinstance(value, dict):
        code = value.get("code")
        # one line per kind of reason; duplicates and merges of many keys count together
        if code in SUMMARY:
            return [(code, "")]
        if code in ("invalid", "field"):  # the model's messages: other coordinates or numbers, the same reason
            return [(code, NUMBERS.sub("…", text(value)))]
        return [(code, text(value))]
    # the model's own messages: the same message about other coordinates or numbers is the same reason
    return [("text", NUMBERS.sub("…", str(value)))]


def summary(report, examples=5):
    """[(count, reason text, [first row numbers])] for the rows skipped or annotated, most frequent first."""
    counts, rows = Counter(), defaultdict(list)
    for row in report or []:
        for key in dict.fromkeys(reasons(row[3])):
            counts[key] += 1
            if len(rows[key]) < examples:
                rows[key].append(row[0])
    out = []
    for (code, wording), n in counts.most_common():
        reason = gettext(SUMMARY[code]) if code in SUMMARY else wording
        line = ngettext("%(n)s row: %(reason)s", "%(n)s rows: %(reason)s", n) % {"n": f"{n:,}", "reason": reason}
        out.append((line, rows[(code, wording)]))
    return out


SUMMARY = {
    "duplicate_key": gettext_noop("the key appears more than once in the file; only its first row is written"),
    "merged": gettext_noop("pieces with the same key merged into one multi-part geometry"),
    "merged_into": gettext_noop("merged into the first row with the same key"),
    "several": gettext_noop("several records have the key's value"),
    "key_empty": gettext_noop("the key field is empty"),
}
