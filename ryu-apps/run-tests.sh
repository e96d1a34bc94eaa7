#!/bin/sh
# Unit tests of the dpb controller apps (no switch needed).
# /usr/bin/python3 is Debian's interpreter, which has os-ken.
set -e
cd "$(dirname "$0")/.."
exec /usr/bin/python3 -m unittest discover -s ryu-apps/tests -v "$@"
