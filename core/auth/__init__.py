"""Users, roles, permissions, login tokens and the route guard."""
