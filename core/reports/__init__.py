"""Statistics and reports: contacts, service levels, effect goals and cost allocation."""
