"""Demo data: ``kontakt demo`` seeds a believable small municipality (Ekeby kommun).

:mod:`core.demo.data` is the static catalogue (departments, answer groups, staff, case types,
agreements, articles), :mod:`core.demo.seed` writes it through the domain services and bulk
inserts a year of contacts and cases, :mod:`core.demo.cli` is the command.
"""
