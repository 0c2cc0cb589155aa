#!/usr/bin/env bash
# Install llama-cpp-python into the given venv from a portable build.
#
# The default native build dies with "Illegal instruction" on these machines, and pip's
# wheel cache ignores CMAKE_ARGS, so we build once with portable flags and --no-cache-dir
# and keep the wheel in our own cache, keyed by version, Python and flags. A new machine
# builds it once (about 7 minutes); every later venv or CI clone installs it in seconds.
set -euo pipefail
PY=${1:?usage: install-llama-cpp.sh VENV_PYTHON}
VERSION=0.3.36
export CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
PYTAG=$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
FLAGS=$(printf '%s' "$CMAKE_ARGS" | sha256sum | cut -c1-12)
CACHE=${GROUNDSIM_CACHE:-$HOME/.cache/groundsim}/wheels/llama-cpp-python-$VERSION-$PYTAG-$(uname -m)-$FLAGS

if "$PY" -c "import importlib.metadata as m, sys; sys.exit(m.version('llama-cpp-python') != '$VERSION')" 2>/dev/null; then
  echo "llama-cpp-python $VERSION already installed"
  exit 0
fi
if ! ls "$CACHE"/llama_cpp_python-"$VERSION"-*.whl >/dev/null 2>&1; then
  echo "building llama-cpp-python $VERSION (portable flags; about 7 minutes, once per machine) into $CACHE"
  mkdir -p "$CACHE.tmp"
  "$PY" -m pip wheel --no-deps --no-cache-dir "llama-cpp-python==$VERSION" -w "$CACHE.tmp"
  rm -rf "$CACHE" && mv "$CACHE.tmp" "$CACHE"
fi
"$PY" -m pip install --no-deps "$CACHE"/llama_cpp_python-"$VERSION"-*.whl
# Its runtime dependencies (installed separately so pip never rebuilds from source).
"$PY" -m pip install "typing-extensions>=4.5.0" "numpy>=1.20.0" "diskcache>=5.6.1" "jinja2>=2.11.3"
