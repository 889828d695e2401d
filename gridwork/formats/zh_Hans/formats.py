"""Simplified Chinese number formats: amounts are grouped in thousands with commas (2,376,000 元), as in Chinese
budgets and financial tables. Only where a template asks for grouping (floatformat's "g", humanize's intcomma);
years, codes and identifiers stay ungrouped. Everything else comes from Django's zh_Hans formats."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
