"""HTTP plumbing shared by every concern's api.py: security, problems, request helpers."""
