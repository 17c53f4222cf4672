#!/bin/sh
# Installs the Debian/Ubuntu packages named in the given lists (tools/packages/*.txt, one or more
# names a line, '#' comments) when some are missing. As root, or with password-less sudo, it
# installs them; otherwise it prints the one command to run and exits 0, so the tests that need
# them are skipped with their reason (and fail under CI=true). With REQUIRED=1 (make run: no
# window without Qt's libraries) it exits 1 instead.
# Installing a server package must not start its system service: the tests start their own.
[ "$(uname -s)" = "Linux" ] || exit 0
command -v dpkg-query >/dev/null 2>&1 || exit 0
[ $# -gt 0 ] || { echo "usage: $0 LIST..." >&2; exit 2; }
wanted=$(sed -e 's/#.*//' "$@" | tr -s ' \t' '\n\n' | sed '/^$/d' | sort -u)
missing=""
for p in $wanted; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo"
else
  echo "Some system packages are missing. Ask your administrator to run:"
  echo "  sudo sh tools/system-packages.sh $*"
  [ "${REQUIRED:-0}" = 1 ] && exit 1
  echo "Until then the tests that need them are skipped (and fail under CI=true)."
  exit 0
fi
echo "Installing system packages:$missing"
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod +x "$policy" && made_policy=1
fi
status=0
$SUDO apt-get update -qq && \
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null || status=$?
[ -n "$made_policy" ] && $SUDO rm -f "$policy"
exit $status
