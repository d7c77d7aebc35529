#!/bin/sh
# Regenerates the build system from configure.ac and Makefile.am.
set -e
cd "$(dirname "$0")"
mkdir -p build-aux m4
autoreconf -fi -Wall
# Automake ships the TAP driver but does not install it on its own.
for d in /usr/share/automake-*; do
	[ -f "$d/tap-driver.sh" ] && cp "$d/tap-driver.sh" build-aux/ && break
done
test -f build-aux/tap-driver.sh
