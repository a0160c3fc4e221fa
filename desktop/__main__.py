"""``python -m desktop`` starts the client."""

from desktop.ui.app import main

raise SystemExit(main())
