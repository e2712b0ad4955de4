#!/bin/sh
# One command for the scaled-out layout: nginx in front of N daphne workers (see deploy/README.md).
#   DATABASE_URL=postgres://... REDIS_URL=redis://... deploy/run.sh --workers 2 --listen 127.0.0.1:8080
cd "$(dirname "$0")/.." && exec .venv/bin/python deploy/run.py "$@"
