"""What citizens see and use: Mina ärenden, Open311 GeoReport v2, notifications."""
