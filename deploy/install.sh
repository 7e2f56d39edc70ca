#!/usr/bin/env bash
# Installs (or upgrades) the complaint bot as a systemd service, from this checkout:
#   - a system user complaint-bot, owning /var/lib/complaint-bot (the SQLite store)
#   - the code in /opt/complaint-bot with its own virtual environment in .venv
#   - /etc/complaint-bot/settings.toml, made from settings.toml once and never overwritten
#   - complaint-bot.service in /etc/systemd/system, enabled (started at boot)
# It does not start the bot: edit the secrets in the settings first. README.md ("Operating the
# bot") describes every step, for doing them by hand.
#
#   sudo deploy/install.sh
set -euo pipefail

PREFIX=/opt/complaint-bot
CONFIG_DIR=/etc/complaint-bot
STATE_DIR=/var/lib/complaint-bot
UNIT_DIR=/etc/systemd/system
USER_NAME=complaint-bot

fail() {
  echo "complaint bot: $*" >&2
  exit 1
}

# The shipped settings.toml, changed for the service: the store in the state directory (a path
# relative to the settings file would point into /etc, which the service cannot write) and
# secure cookies (the console is served over https by the proxy in
# deploy/nginx-complaint-bot.conf). The reply templates ship inside the package.
service_settings() {
  local source=$1 line
  for line in '^url = "sqlite:///data/complaints.db"' '^secure_cookies = false'; do
    grep -q "$line" "$source" || fail "$source has no line matching $line: edit the settings by hand"
  done
  sed -e "s|^url = \"sqlite:///data/complaints.db\"|url = \"sqlite:///$STATE_DIR/complaints.db\"|" \
      -e 's|^secure_cookies = false|secure_cookies = true|' \
      "$source"
}

main() {
  local checkout
  checkout=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  [ "$(id -u)" = 0 ] || fail "run this as root (sudo deploy/install.sh)"
  command -v rsync >/dev/null || fail "rsync is needed (apt-get install rsync)"
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || fail "Python 3.11 or newer is needed as python3"
  if systemctl is-active --quiet complaint-bot 2>/dev/null; then
    fail "the bot is running: back it up and stop it first (README: Upgrading)"
  fi

  id "$USER_NAME" >/dev/null 2>&1 \
    || useradd --system --home-dir "$STATE_DIR" --no-create-home --shell /usr/sbin/nologin "$USER_NAME"

  # The code: root's, read-only to the service. --delete removes files an upgrade dropped;
  # the virtual environment is excluded and so kept.
  install -d -m 0755 "$PREFIX"
  rsync -a --delete --exclude /.git --exclude /.venv/ --exclude /tests/ --exclude /bench/ \
    --exclude /data/ --exclude /build/ --exclude '.*_cache/' --exclude __pycache__/ \
    --exclude '*.egg-info/' "$checkout/" "$PREFIX/"
  [ -x "$PREFIX/.venv/bin/python" ] || python3 -m venv "$PREFIX/.venv"
  "$PREFIX/.venv/bin/python" -m pip install --quiet --upgrade pip
  "$PREFIX/.venv/bin/python" -m pip install --quiet "$PREFIX"
  # compiled now: the service cannot write __pycache__ under ProtectSystem=strict
  "$PREFIX/.venv/bin/python" -m compileall -q -x '/\.venv/' "$PREFIX"

  # systemd creates the state directory at the first start too; made now, create-admin and
  # backup work (as the service's user) before it
  install -d -m 0750 -o "$USER_NAME" -g "$USER_NAME" "$STATE_DIR"
  install -d -m 0750 -o root -g "$USER_NAME" "$CONFIG_DIR"
  local fresh=no
  if [ ! -e "$CONFIG_DIR/settings.toml" ]; then
    service_settings "$checkout/settings.toml" >"$CONFIG_DIR/settings.toml.new"
    chown root:"$USER_NAME" "$CONFIG_DIR/settings.toml.new"
    chmod 0640 "$CONFIG_DIR/settings.toml.new"
    mv "$CONFIG_DIR/settings.toml.new" "$CONFIG_DIR/settings.toml"
    fresh=yes
  fi

  install -m 0644 "$checkout/deploy/complaint-bot.service" "$UNIT_DIR/complaint-bot.service"
  systemctl daemon-reload
  systemctl enable --quiet complaint-bot.service

  if [ "$fresh" = yes ]; then
    echo "Installed. Set the secrets in $CONFIG_DIR/settings.toml (or as \${NAME} values with"
    echo "NAME=value lines in $CONFIG_DIR/environment), then: systemctl start complaint-bot"
  else
    echo "Upgraded; $CONFIG_DIR/settings.toml was kept. Start it: systemctl start complaint-bot"
  fi
}

# Sourced (as tests/test_deploy.py does, to run service_settings alone), it only defines.
if ! (return 0 2>/dev/null); then
  main "$@"
fi
