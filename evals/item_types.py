"""The kinds of eval items, in the order the reports list them."""

TYPES = (
    "numeric",
    "eligibility",
    "procedure",
    "list",
    "definition",
    "meta",
    "cross-doc",
    "multi-turn",
    "yesno",
    "letter",
    "english",
    "partial",
    "unanswerable",
)
