"""Contacts and cases: every contact registered, every case followed up until closed."""
