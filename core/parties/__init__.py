"""Parties: persons (personnummer / samordningsnummer), organisations and anonymous contacts."""
