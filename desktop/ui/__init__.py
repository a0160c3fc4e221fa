"""The Qt widgets (PySide6). Everything here is reachable by keyboard, with the shortcut
shown beside the action, and every control has an accessible name for screen readers."""
