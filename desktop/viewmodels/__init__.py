"""State and rules of the desktop's views, without widgets (testable without a screen)."""
