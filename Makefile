.PHONY: run test lint format bench
run:      ## run the appliance with demo data (SQLite)
	scripts/run.sh
test:     ## the whole suite on SQLite and on PostgreSQL + Redis
	scripts/test.sh
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .
bench:
	.venv/bin/python -m bench
