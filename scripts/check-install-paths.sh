#!/usr/bin/env bash
# make install's paths, checked before anything is copied. The Makefile hands
# them over in the environment (never on a command line), so a PREFIX such as
# '/opt/x; touch y' is refused here, not run by a recipe's shell. Accepted:
# letters, digits and . _ + , : @ ~ - /; PREFIX and PYDIR absolute, DESTDIR
# empty or absolute (a relative one would plant a tree in the source folder).
set -euo pipefail
ok='^[A-Za-z0-9._+,:@~/-]*$'
for name in PREFIX DESTDIR PYDIR; do
  var="IRP_INSTALL_$name"
  value="${!var-}"
  if [[ ! "$value" =~ $ok ]]; then
    printf 'make install: %s=%q has characters outside A-Z a-z 0-9 . _ + , : @ ~ - /; choose a plain path\n' \
      "$name" "$value" >&2
    exit 2
  fi
  if [[ "$name" != DESTDIR || -n "$value" ]] && [[ "$value" != /* ]]; then
    printf 'make install: %s=%q is not an absolute path; expected one starting with /\n' "$name" "$value" >&2
    exit 2
  fi
done
