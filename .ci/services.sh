#!/usr/bin/env bash
# Start any local service the test-suite talks to that is not already listening.
set -u
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  local port=$1 wait=$2; shift 2
  if listening "$port"; then return 0; fi
  echo "starting service for port $port: $*"
  "$@" >/dev/null 2>&1 || echo "warning: could not start the service on port $port"
  for _ in $(seq 1 "$wait"); do listening "$port" && return 0; sleep 1; done
  echo "warning: nothing listens on 127.0.0.1:$port"
}

start 5432 60 bash -c 'pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start'
start 6379 30 redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
  --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
start 5672 120 rabbitmq-server -detached
timeout 120 rabbitmqctl await_startup --timeout 120 >/dev/null 2>&1 || echo "warning: RabbitMQ did not finish booting"
start 4222 30 start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
  -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
exit 0
