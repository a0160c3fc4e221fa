"""Administration of plugins: persisted enabled/disabled state, CLI and API."""
