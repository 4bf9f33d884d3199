#!/usr/bin/env bash
# Prints the packages of deploy/debian-packages.txt needed where $1 says (image or test);
# with --missing, only those whose command is not installed.
set -euo pipefail
role=$1
missing_only=${2:-}
here=$(dirname "$0")
# Beside this script in the image build, in deploy/ in a checkout.
list="$here/debian-packages.txt"
[ -f "$list" ] || list="$here/../deploy/debian-packages.txt"
while read -r package command roles; do
  case "$package" in '' | '#'*) continue ;; esac
  case " $roles " in *" $role "*) ;; *) continue ;; esac
  if [ "$missing_only" = --missing ] && PATH="$PATH:/usr/sbin:/sbin" command -v "$command" >/dev/null 2>&1; then continue; fi
  echo "$package"
done <"$list"
