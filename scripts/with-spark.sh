#!/usr/bin/env bash
# Run a command with Apache Spark in local mode ready for tests/test_engine.py: Debian's Java
# (default-jre-headless, installed with apt-get when `java` is missing), the spark extra in .venv
# (pyspark), and ATLAS_TEST_SPARK=1, under which the Spark cases must run: a missing pyspark or
# Java fails them instead of skipping them. Safe to run again: it installs only what is missing.
# Example: bash scripts/with-spark.sh bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v java >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq default-jre-headless >/dev/null
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[spark]'
echo "== Spark $(.venv/bin/python -c 'import pyspark; print(pyspark.__version__)') in local mode," \
  "on $(java -version 2>&1 | head -1)"
export ATLAS_TEST_SPARK="${ATLAS_TEST_SPARK:-1}"
"$@"
