"""The organisation: departments, answer groups, competence profiles and case types."""
