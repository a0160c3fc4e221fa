"""Answer support (svarsstöd): FAQ, checklists and scripts, versioned and searchable."""
