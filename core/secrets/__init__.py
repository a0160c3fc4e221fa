"""Secrets: keyring access (:mod:`.keystore`) and field encryption (:mod:`.fields`)."""
