"""``python -m installer``: install the appliance into a prefix."""

from installer.install import main

if __name__ == "__main__":
    main()
