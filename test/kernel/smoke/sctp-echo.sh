#!/bin/sh
# Inside the kernel VM (needs sctp): socat listens on a one-to-one (SOCK_STREAM)
# SCTP socket and echoes; a client connects over SCTP and sends "ping".
# Prints "listening <port>" from /proc/net/sctp/eps, then "echo <reply>".
set -eu
PORT=9999
socat SCTP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr PIPE &
server=$!
for _ in $(seq 50); do
  awk -v port=$PORT '$6 == port { found = 1 } END { exit !found }' /proc/net/sctp/eps && break
  sleep 0.1
done
awk -v port=$PORT '$6 == port { print "listening", $6 }' /proc/net/sctp/eps
# SCTP has no half-close: the client keeps its input open until the echo is back.
printf 'echo %s\n' "$( (printf ping; sleep 1) | socat -t 5 - SCTP:127.0.0.1:$PORT)"
kill "$server" 2> /dev/null || true
