#!/usr/bin/env bash
# The full load test, alone on the machine: 200 MCP clients over Streamable HTTP, 20 mixed calls each, against
# spawned `chat-archiver mcp` and two `chat-archiver worker` processes (the suite runs a 40 × 10 version of the
# same test among the other files). LOAD_REPORT=<file> writes the figures as JSON. About a minute on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
LOAD_CLIENTS="${LOAD_CLIENTS:-200}" LOAD_CALLS="${LOAD_CALLS:-20}" exec npx vitest run test/load --reporter=default
