# The two commands: `make run` and `make test`. Everything else is a helper they use.
# Each installs what it needs (scripts/tools.sh) at the versions pinned in scripts/versions.env.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.PHONY: help run test stop build release lint fmt sqlx-prepare e2e

help:
	@echo "make run    build, start a database if DATABASE_URL is unset, migrate, serve on http://127.0.0.1:3000"
	@echo "make test   every check and test (formatting, clippy, .sqlx cache, Rust tests, Playwright)"
	@echo "make stop   stop the project-local PostgreSQL"
	@echo "make fmt | lint | sqlx-prepare | e2e   one part at a time"

run:
	@scripts/run.sh

test:
	@scripts/test.sh all

stop:
	@scripts/pg.sh stop

fmt:
	cargo fmt --all

lint:
	@scripts/test.sh lint

e2e:
	@scripts/test.sh e2e

# Regenerate the committed .sqlx/ query cache after changing a query or a migration.
sqlx-prepare:
	@scripts/test.sh sqlx-prepare
