#!/usr/bin/env bash
# Set up .venv and Debian's chromium (if needed), then run ruff, mypy and the whole test suite.
# With --floors, or under CI=true, then also the pure and AppTest tests against the declared lower
# bounds of the dependencies (constraints-min.txt, installed once into .venv-min).
set -euo pipefail
cd "$(dirname "$0")/.."
floors=0
[ "${CI:-}" = true ] && floors=1
# Two test processes (pytest-xdist), one per core: tests/conftest.py groups the browser tests so
# that they run one after another in one process (two browsers and two app servers at once under
# full load made journeys flaky); every other file is a group of its own. -n 0 runs one process.
workers=(-n 2 --dist loadgroup)
args=()
for arg in "$@"; do
  if [ "$arg" = --floors ]; then floors=1; else args+=("$arg"); fi
  case "$arg" in -n|-n*|--numprocesses*) workers=() ;; esac
done
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/python -m pytest ${workers[@]+"${workers[@]}"} ${args[@]+"${args[@]}"}
[ "$floors" = 1 ] || exit 0

# The floors: every dependency at the version pyproject.toml says is enough. The venv is rebuilt
# only when constraints-min.txt or pyproject.toml change; the project is re-linked every time.
echo "== the pure and AppTest tests at the dependencies' floors (constraints-min.txt)"
stamp=$(cat constraints-min.txt pyproject.toml | sha256sum | cut -c1-16)
if [ "$(cat .venv-min/stamp 2>/dev/null)" != "$stamp" ]; then
  rm -rf .venv-min
  python3 -m venv .venv-min
  build_requires=$(.venv/bin/python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['build-system']['requires']))")
  # shellcheck disable=SC2086  # one requirement a line, none with spaces
  .venv-min/bin/python -m pip install -q --disable-pip-version-check -c constraints-min.txt \
    -r constraints-min.txt $build_requires 'pytest>=8' 'pytest-timeout>=2.3' 'pytest-xdist>=3.6'
  echo "$stamp" > .venv-min/stamp
fi
.venv-min/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
exec .venv-min/bin/python -m pytest ${workers[@]+"${workers[@]}"} -q -p no:cacheprovider -m "not browser and not wheel" \
  --ignore=tests/test_bench.py --ignore=tests/test_hostile_files.py
